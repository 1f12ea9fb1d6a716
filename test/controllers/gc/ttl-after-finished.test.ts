// The TTL-after-finished controller under a fake clock: a finished Job goes, with its pods
// (through the garbage collector), ttlSecondsAfterFinished after it finished — not before.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { FakeClock, realClock } from '../../../src/client/clock.js';
import { EventRecorder } from '../../../src/client/event-recorder.js';
import { InformerFactory } from '../../../src/client/informer-factory.js';
import { jobs, pods } from '../../../src/client/resources.js';
import type { ApiClient } from '../../../src/client/api-client.js';
import type { ControllerContext } from '../../../src/controllers/controller.js';
import { GarbageCollector } from '../../../src/controllers/gc/garbage-collector.js';
import { TTLAfterFinishedController } from '../../../src/controllers/gc/ttl-after-finished.js';
import { nullLogger } from '../../../src/logger.js';
import type { TestServer } from '../../helpers/api-server.js';
import { startTestServer } from '../../helpers/api-server.js';
import { eventually, isGone, localClient, ownerRef, pod } from './helpers.js';

function job(name: string, ttl: number | undefined): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { ttlSecondsAfterFinished: ttl, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  };
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('ttl-after-finished controller', () => {
  let server: TestServer;
  let client: ApiClient;
  let informers: InformerFactory;
  let clock: FakeClock;
  let ttl: TTLAfterFinishedController;
  let gc: GarbageCollector;

  before(async () => {
    server = await startTestServer();
    client = localClient(server);
    // Informers keep real time; only the controller's clock is fake.
    informers = new InformerFactory(client);
    clock = new FakeClock(Math.floor(Date.now() / 1000) * 1000);
    const ctx: ControllerContext = { client, informers, clock, logger: nullLogger, recorder: (component) => new EventRecorder(client, { component }) };
    ttl = new TTLAfterFinishedController(ctx);
    // The collector (which takes the Job's pods) runs on real time: its timers stay off the fake clock.
    gc = new GarbageCollector({ ...ctx, clock: realClock }, { workers: 2 });
    informers.start();
    await informers.waitForSync();
    ttl.start();
    gc.start();
    await gc.waitForGraphSync();
  });
  after(async () => {
    await ttl.stop();
    await gc.stop();
    await informers.stop();
    await server.stop();
  });

  async function finish(name: string, type: 'Complete' | 'Failed', at: number): Promise<Job> {
    const api = client.resource(jobs, 'default');
    const j = await api.get(name);
    const conditions = type === 'Complete'
      ? [{ type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: rfc3339(at) }, { type, status: 'True', lastTransitionTime: rfc3339(at) }]
      : [{ type: 'FailureTarget', status: 'True', lastTransitionTime: rfc3339(at) }, { type, status: 'True', lastTransitionTime: rfc3339(at) }];
    return api.updateStatus({
      ...j,
      status: { ...j.status, startTime: rfc3339(at - 1000), ...(type === 'Complete' ? { completionTime: rfc3339(at), succeeded: 1 } : { failed: 1 }), conditions },
    });
  }

  it('deletes a Job and its pods ttlSecondsAfterFinished after it completed, not before', async () => {
    const api = client.resource(jobs, 'default');
    const created = await api.create(job('done', 60));
    await client.resource(pods, 'default').create(pod('done-pod', { owners: [ownerRef(created)] }));
    await finish('done', 'Complete', clock.now());

    // The controller has seen the finished Job once it waits for its expiry on the clock.
    await eventually(() => clock.nextDueIn !== undefined && clock.nextDueIn > 59_000 && clock.nextDueIn <= 60_000, 'a timer for the expiry');
    clock.step(59_000);
    await ttl.drain();
    assert.ok(!(await isGone(() => api.get('done'))), 'the Job is kept before its TTL runs out');

    clock.step(1_000);
    await eventually(() => isGone(() => api.get('done')), 'the Job deleted at its TTL');
    await eventually(() => isGone(() => client.resource(pods, 'default').get('done-pod')), 'its pod deleted by the garbage collector');
  });

  it('deletes a failed Job with a TTL of zero at once', async () => {
    const api = client.resource(jobs, 'default');
    await api.create(job('failed-now', 0));
    await finish('failed-now', 'Failed', clock.now());
    await eventually(() => isGone(() => api.get('failed-now')), 'the failed Job deleted');
  });

  it('leaves a Job without a TTL, and an unfinished one, alone', async () => {
    const api = client.resource(jobs, 'default');
    await api.create(job('no-ttl', undefined));
    await finish('no-ttl', 'Complete', clock.now() - 3_600_000);
    await api.create(job('running', 0));
    // A Job that finished with a TTL of zero is the marker that the controller processed the ones before it.
    await api.create(job('marker', 0));
    await finish('marker', 'Complete', clock.now());
    await eventually(() => isGone(() => api.get('marker')), 'the marker Job deleted');
    await ttl.drain();
    assert.ok(!(await isGone(() => api.get('no-ttl'))));
    assert.ok(!(await isGone(() => api.get('running'))));
  });
});
