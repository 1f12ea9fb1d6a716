import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../../src/scheduler/framework/cycle-state.js';
import { Framework } from '../../../src/scheduler/framework/framework.js';
import type { FilterPlugin, Plugin, ScorePlugin } from '../../../src/scheduler/framework/interfaces.js';
import type { NodeInfo } from '../../../src/scheduler/framework/node-info.js';
import { newPodInfo } from '../../../src/scheduler/framework/pod-info.js';
import type { PluginFactory } from '../../../src/scheduler/framework/profile.js';
import { Snapshot } from '../../../src/scheduler/framework/snapshot.js';
import { Code, Status } from '../../../src/scheduler/framework/status.js';
import { makeNode, makePod } from '../fixtures.js';

const rejectB: FilterPlugin = { name: 'RejectB', filter: (_s, _p, n: NodeInfo) => (n.name === 'b' ? Status.unschedulable('no b') : null) };
const broken: FilterPlugin = { name: 'Broken', filter: () => Status.error('boom') };
const byName: ScorePlugin = { name: 'ByName', score: (_s, _p, n: NodeInfo) => (n.name === 'a' ? 10 : 20) };
const registry = new Map<string, PluginFactory>([
  ['RejectB', () => rejectB], ['Broken', () => broken], ['ByName', () => byName],
]);
const snapshot = new Snapshot({ nodes: [makeNode('a'), makeNode('b')] });
const pod = newPodInfo(makePod('p'));

test('Framework: a rejecting Filter is tagged with its plugin name', () => {
  const fw = new Framework({ schedulerName: 's', plugins: [{ name: 'RejectB' }] }, registry);
  const s = fw.runFilterPlugins(new CycleState(), pod, snapshot.get('b')!, snapshot);
  assert.equal(s.code, Code.Unschedulable);
  assert.equal(s.plugin, 'RejectB');
  assert.equal(fw.runFilterPlugins(new CycleState(), pod, snapshot.get('a')!, snapshot).isSuccess(), true);
});

test('Framework: a Filter error becomes an Error status naming the plugin', () => {
  const fw = new Framework({ schedulerName: 's', plugins: [{ name: 'Broken' }] }, registry);
  const s = fw.runFilterPlugins(new CycleState(), pod, snapshot.get('a')!, snapshot);
  assert.equal(s.code, Code.Error);
  assert.equal(s.message(), 'running "Broken" filter plugin: boom');
});

test('Framework: scores are multiplied by the plugin weight', () => {
  const fw = new Framework({ schedulerName: 's', plugins: [{ name: 'ByName', weight: 3 }] }, registry);
  const r = fw.runScorePlugins(new CycleState(), pod, snapshot.nodeInfoList, snapshot);
  assert.ok(Array.isArray(r));
  assert.deepEqual(r.map((x) => x.totalScore), [30, 60]);
});

test('Framework: an unknown plugin name fails at construction', () => {
  assert.throws(() => new Framework({ schedulerName: 's', plugins: [{ name: 'Nope' }] }, registry), /plugin "Nope" does not exist/);
});

test('Framework: a plugin implementing several interfaces joins each extension point', () => {
  const both: Plugin & FilterPlugin & ScorePlugin = { name: 'Both', filter: () => null, score: () => 1 };
  const fw = new Framework({ schedulerName: 's', plugins: [{ name: 'Both' }] }, new Map([['Both', () => both]]));
  assert.equal(fw.filterPlugins.length, 1);
  assert.equal(fw.scorePlugins.length, 1);
});

test('Framework: Filters whose PreFilter skipped are left out of the cycle, in one list taken per cycle', () => {
  const fw = new Framework({ schedulerName: 's', plugins: [{ name: 'RejectB' }, { name: 'Broken' }] }, registry);
  const state = new CycleState();
  assert.deepEqual(fw.activeFilterPlugins(state).map((p) => p.name), ['RejectB', 'Broken']);
  state.skipFilterPlugins.add('Broken');
  const active = fw.activeFilterPlugins(state);
  assert.deepEqual(active.map((p) => p.name), ['RejectB']);
  // With the list or without it (then taken from the state), the same verdicts.
  assert.equal(fw.runFilterPlugins(state, pod, snapshot.get('a')!, snapshot, active).isSuccess(), true);
  assert.equal(fw.runFilterPlugins(state, pod, snapshot.get('a')!, snapshot).isSuccess(), true);
  assert.equal(fw.runFilterPlugins(state, pod, snapshot.get('b')!, snapshot, active).plugin, 'RejectB');
});
