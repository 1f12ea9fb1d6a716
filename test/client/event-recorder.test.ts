import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Event } from 'kubernetes-types/core/v1.js';
import { startTestServer } from '../helpers/api-server.js';
import type { TestServer } from '../helpers/api-server.js';
import { ApiClient } from '../../src/client/api-client.js';
import { HttpTransport } from '../../src/client/http-transport.js';
import { FakeClock } from '../../src/client/clock.js';
import { EventRecorder } from '../../src/client/event-recorder.js';
import { IdleGate } from '../../src/client/idle-gate.js';
import { configMaps, events, namespaces } from '../../src/client/resources.js';
import { eventually } from '../helpers/eventually.js';

let server: TestServer;
let transport: HttpTransport;
let client: ApiClient;

before(async () => {
  server = await startTestServer();
  transport = new HttpTransport({ server: server.url });
  client = new ApiClient(transport);
  await client.resource(namespaces).create({ metadata: { name: 'ev' } });
});

after(async () => {
  transport.close();
  await server.stop();
});

async function subject(name: string): Promise<ConfigMap> {
  return client.resource(configMaps, 'ev').create({ metadata: { name } });
}

async function eventsAbout(name: string): Promise<Event[]> {
  const list = await client.resource(events, 'ev').list({ fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

test('an event about an object carries its reference, source and timestamps', async (t) => {
  const clock = new FakeClock(Date.UTC(2024, 5, 1, 12, 0, 0));
  const recorder = new EventRecorder(client, { component: 'test-controller', clock });
  t.after(() => recorder.stop());
  const obj = await subject('ref');
  recorder.event(obj, 'Normal', 'Created', 'made it');
  await recorder.flush();
  const [ev] = await eventsAbout('ref');
  assert.ok(ev);
  assert.equal(ev.metadata?.namespace, 'ev');
  assert.match(ev.metadata?.name ?? '', /^ref\.[0-9a-f]+$/);
  assert.deepEqual(
    { kind: ev.involvedObject.kind, name: ev.involvedObject.name, uid: ev.involvedObject.uid, apiVersion: ev.involvedObject.apiVersion },
    { kind: 'ConfigMap', name: 'ref', uid: obj.metadata?.uid, apiVersion: 'v1' },
  );
  assert.deepEqual([ev.type, ev.reason, ev.message, ev.count], ['Normal', 'Created', 'made it', 1]);
  assert.equal(ev.source?.component, 'test-controller');
  assert.equal(ev.reportingComponent, 'test-controller');
  assert.equal(ev.firstTimestamp, '2024-06-01T12:00:00Z');
  assert.equal(ev.lastTimestamp, '2024-06-01T12:00:00Z');
});

test('repeats of one event bump count and lastTimestamp on the same Event', async (t) => {
  const clock = new FakeClock(Date.UTC(2024, 5, 1, 12, 0, 0));
  const recorder = new EventRecorder(client, { component: 'test-controller', clock });
  t.after(() => recorder.stop());
  const obj = await subject('repeat');
  recorder.event(obj, 'Warning', 'FailedCreate', 'quota exceeded');
  clock.step(5000);
  recorder.event(obj, 'Warning', 'FailedCreate', 'quota exceeded');
  clock.step(5000);
  recorder.event(obj, 'Warning', 'FailedCreate', 'quota exceeded');
  await recorder.flush();
  const list = await eventsAbout('repeat');
  assert.equal(list.length, 1);
  assert.equal(list[0]!.count, 3);
  assert.equal(list[0]!.firstTimestamp, '2024-06-01T12:00:00Z');
  assert.equal(list[0]!.lastTimestamp, '2024-06-01T12:00:10Z');
});

test('ten similar events that differ only in message are combined into one', async (t) => {
  const clock = new FakeClock();
  const recorder = new EventRecorder(client, { component: 'test-controller', clock });
  t.after(() => recorder.stop());
  const obj = await subject('similar');
  for (let i = 0; i < 12; i++) {
    recorder.event(obj, 'Warning', 'BackOff', `attempt ${i}`);
    clock.step(1000);
  }
  await recorder.flush();
  const list = await eventsAbout('similar');
  const combined = list.filter((e) => e.message?.startsWith('(combined from similar events): '));
  assert.equal(list.length - combined.length, 9, 'the first nine are recorded as they are');
  assert.equal(combined.length, 1);
  assert.equal(combined[0]!.message, '(combined from similar events): attempt 11');
  assert.equal(combined[0]!.count, 3);
});

test('a source may burst 25 events about one object, then one per five minutes', async (t) => {
  const clock = new FakeClock();
  const recorder = new EventRecorder(client, { component: 'test-controller', clock });
  t.after(() => recorder.stop());
  const obj = await subject('spam');
  for (let i = 0; i < 40; i++) recorder.event(obj, 'Normal', 'Sync', 'same');
  await recorder.flush();
  assert.equal((await eventsAbout('spam'))[0]!.count, 25);
  clock.step(300_000);
  recorder.event(obj, 'Normal', 'Sync', 'same');
  recorder.event(obj, 'Normal', 'Sync', 'same');
  await recorder.flush();
  assert.equal((await eventsAbout('spam'))[0]!.count, 26);
});

test('a repeat of an event deleted meanwhile creates it again', async (t) => {
  const clock = new FakeClock();
  const recorder = new EventRecorder(client, { component: 'test-controller', clock });
  t.after(() => recorder.stop());
  const obj = await subject('recreate');
  recorder.event(obj, 'Normal', 'Pulled', 'image pulled');
  await recorder.flush();
  const [first] = await eventsAbout('recreate');
  await client.resource(events, 'ev').delete(first!.metadata!.name!);
  recorder.event(obj, 'Normal', 'Pulled', 'image pulled');
  await recorder.flush();
  const list = await eventsAbout('recreate');
  assert.equal(list.length, 1);
  assert.equal(list[0]!.count, 2);
});

test('with a write rate, events beyond the burst wait for tokens, in order (the kubelet\'s eventRecordQPS)', async (t) => {
  const clock = new FakeClock();
  const recorder = new EventRecorder(client, { component: 'rated', clock, writeRate: { qps: 2, burst: 3 } });
  t.after(async () => {
    while (clock.pendingTimers > 0) clock.step(clock.nextDueIn!);
    await recorder.stop();
  });
  const objs = await Promise.all(['rate-0', 'rate-1', 'rate-2', 'rate-3', 'rate-4'].map(subject));
  for (const o of objs) recorder.event(o, 'Normal', 'Created', `made ${o.metadata?.name}`);
  const written = async () => (await client.resource(events, 'ev').list()).items.filter((e) => e.source?.component === 'rated').length;
  // The burst goes at once; the fourth then waits half a second of (fake) time for its token.
  await eventually(async () => (await written()) === 3 && clock.pendingTimers === 1, 'the burst to be written');
  assert.equal(clock.nextDueIn, 500);
  clock.step(500);
  await eventually(async () => (await written()) === 4 && clock.pendingTimers === 1, 'the fourth event after 500 ms');
  assert.equal(clock.nextDueIn, 500);
  clock.step(500);
  await recorder.flush();
  assert.equal(await written(), 5);
  const names = (await client.resource(events, 'ev').list()).items.filter((e) => e.source?.component === 'rated').map((e) => e.involvedObject.name).sort();
  assert.deepEqual(names, ['rate-0', 'rate-1', 'rate-2', 'rate-3', 'rate-4']);
});

test('with a gate, events are written once the gate lets them through, in order', async () => {
  const load = { value: 1 };
  const gate = new IdleGate({ windowMs: 5, maxWaitMs: 60_000, utilization: () => load.value });
  const recorder = new EventRecorder(client, { component: 'gated-controller', gate });
  const cm = await subject('gated');
  recorder.event(cm, 'Normal', 'First', 'one');
  recorder.event(cm, 'Normal', 'Second', 'two');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await eventsAbout('gated'), [], 'nothing is written while the loop is busy');
  load.value = 0;
  await recorder.flush();
  const written = await eventsAbout('gated');
  assert.deepEqual(written.map((e) => e.reason).sort(), ['First', 'Second']);
  await recorder.stop();
});

test('with concurrent writes (as kube-scheduler\'s), every event is written and repeats still patch in order', async (t) => {
  const clock = new FakeClock(Date.UTC(2024, 5, 1, 12, 0, 0));
  const recorder = new EventRecorder(client, { component: 'test-scheduler', clock, concurrentWrites: 8 });
  t.after(() => recorder.stop());
  const repeated = await subject('concurrent-repeat');
  const others = await Promise.all(Array.from({ length: 12 }, (_, i) => subject(`concurrent-${i}`)));
  recorder.event(repeated, 'Warning', 'FailedScheduling', 'no nodes');
  for (const o of others) recorder.event(o, 'Normal', 'Scheduled', `assigned ${o.metadata!.name}`);
  clock.step(1000);
  recorder.event(repeated, 'Warning', 'FailedScheduling', 'no nodes');
  clock.step(1000);
  recorder.event(repeated, 'Warning', 'FailedScheduling', 'no nodes');
  await recorder.flush();
  const list = await eventsAbout('concurrent-repeat');
  assert.equal(list.length, 1);
  assert.equal(list[0]!.count, 3);
  assert.equal(list[0]!.lastTimestamp, '2024-06-01T12:00:02Z');
  for (const o of others) assert.equal((await eventsAbout(o.metadata!.name!)).length, 1, `the event about ${o.metadata!.name}`);
  assert.equal(recorder.dropped, 0);
});
