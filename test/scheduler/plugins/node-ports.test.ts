import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { NodePorts } from '../../../src/scheduler/plugins/node-ports.js';
import { makeNode, makePod } from '../fixtures.js';
import { filterAll } from './harness.js';

const busy = 'Unschedulable: node(s) didn\'t have free ports for the requested pod ports';
function withPort(name: string, port: number, hostIP?: string, protocol?: string, nodeName?: string): Pod {
  return makePod(name, { nodeName, containers: [{ name: 'c', ports: [{ containerPort: port, hostPort: port, hostIP, protocol }] }] });
}

const rows = [
  { name: 'no host ports: skipped', pod: makePod('p'), existing: [withPort('e', 80, undefined, undefined, 'a')], want: '' },
  { name: 'same port and protocol conflicts', pod: withPort('p', 80), existing: [withPort('e', 80, undefined, undefined, 'a')], want: busy },
  { name: 'different protocol is free', pod: withPort('p', 80, undefined, 'UDP'), existing: [withPort('e', 80, undefined, undefined, 'a')], want: '' },
  { name: 'different specific IPs are free', pod: withPort('p', 80, '10.0.0.1'), existing: [withPort('e', 80, '10.0.0.2', undefined, 'a')], want: '' },
  { name: '0.0.0.0 conflicts with a specific IP', pod: withPort('p', 80), existing: [withPort('e', 80, '10.0.0.2', undefined, 'a')], want: busy },
  { name: 'a specific IP conflicts with 0.0.0.0', pod: withPort('p', 80, '10.0.0.1'), existing: [withPort('e', 80, undefined, undefined, 'a')], want: busy },
];
for (const row of rows) {
  test(`NodePorts: ${row.name}`, () => {
    assert.deepEqual(filterAll(new NodePorts(), row.pod, { nodes: [makeNode('a')], pods: row.existing }), { a: row.want });
  });
}
