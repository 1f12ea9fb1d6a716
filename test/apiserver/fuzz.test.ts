// Throws a few thousand random and mutated bodies at the API server: every answer must be a
// well-formed response (never a crash or a 5xx), bad input must not be stored, and the server
// must keep serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/api-server.js';

/** A small deterministic PRNG (mulberry32) so failures are reproducible from the seed. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seeds: { path: string; body: any }[] = [
  { path: '/api/v1/namespaces/default/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }], env: [{ name: 'X', value: '1' }] }] } } },
  { path: '/apis/apps/v1/namespaces/default/deployments', body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 2, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } } } } },
  { path: '/api/v1/namespaces/default/services', body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'd' }, ports: [{ port: 80, targetPort: 8080 }] } } },
  { path: '/api/v1/namespaces/default/configmaps', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } } },
  { path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } } },
  { path: '/apis/batch/v1/namespaces/default/jobs', body: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
];

const weird = [null, true, false, 0, -1, 1.5, 2 ** 53, '', 'x', '../..', 'a'.repeat(300), [], [1, 'a'], {}, { $ref: 'x' }, { __proto__: { polluted: true } }];

function mutate(value: any, r: () => number, depth = 0): any {
  if (value === null || typeof value !== 'object' || depth > 6) {
    return r() < 0.5 ? weird[Math.floor(r() * weird.length)] : value;
  }
  const copy: any = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  const action = r();
  if (keys.length && action < 0.4) {
    const k = keys[Math.floor(r() * keys.length)];
    copy[k] = mutate(copy[k], r, depth + 1);
  } else if (keys.length && action < 0.55) {
    delete copy[keys[Math.floor(r() * keys.length)]];
  } else if (action < 0.7) {
    copy[Array.isArray(copy) ? copy.length : `f${Math.floor(r() * 100)}`] = weird[Math.floor(r() * weird.length)];
  } else if (keys.length) {
    const k = keys[Math.floor(r() * keys.length)];
    copy[k] = mutate(copy[k], r, depth + 1);
  }
  return copy;
}

function randomText(r: () => number): string {
  const pieces = ['{', '}', '[', ']', '"', ':', ',', 'apiVersion', 'kind', 'v1', 'null', '\\u0000', '\u00ff', ' ', '\n', '---', '- a', 'a: b', '&x', '*x', '1e999'];
  let s = '';
  const n = Math.floor(r() * 40);
  for (let i = 0; i < n; i++) s += pieces[Math.floor(r() * pieces.length)];
  return s;
}

describe('fuzzing the write path', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.stop();
  });

  it('answers 3,000 random and mutated bodies without a 5xx and keeps serving', async () => {
    const r = rng(Number(process.env.FUZZ_SEED ?? 20261122));
    const counts = new Map<number, number>();
    const contentTypes = ['application/json', 'application/yaml', 'application/merge-patch+json', 'application/json-patch+json', 'text/plain'];
    for (let i = 0; i < 3000; i++) {
      const seed = seeds[Math.floor(r() * seeds.length)];
      const pick = r();
      let body: string;
      if (pick < 0.15) body = randomText(r);
      else {
        const mutated = mutate(structuredClone(seed.body), r);
        if (mutated && typeof mutated === 'object' && mutated.metadata && typeof mutated.metadata === 'object') {
          mutated.metadata.name = `fz-${i}`;
        }
        body = JSON.stringify(mutated);
        if (pick < 0.25) body = body.slice(0, Math.floor(r() * body.length));
      }
      const method = r() < 0.8 ? 'POST' : r() < 0.5 ? 'PUT' : 'PATCH';
      const path = method === 'POST' ? seed.path : `${seed.path}/${seeds[0].body.metadata.name}`;
      const ct = contentTypes[Math.floor(r() * contentTypes.length)];
      const res = await t.request(method, path, body, { 'Content-Type': method === 'PATCH' ? ct : (r() < 0.9 ? 'application/json' : ct) });
      counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
      assert.ok(res.status < 500, `request ${i} (${method} ${path}) got ${res.status}: ${res.text.slice(0, 300)}\nbody: ${body.slice(0, 300)}`);
      if (res.status >= 400) {
        assert.equal(res.json?.kind, 'Status', `request ${i} error is a Status: ${res.text.slice(0, 200)}`);
        assert.equal(res.json.code, res.status);
        assert.ok(res.json.reason, 'error has a reason');
      }
    }
    assert.ok((counts.get(201) ?? 0) > 0, 'some mutated bodies are still valid');
    assert.ok([...counts.keys()].some((c) => c >= 400), 'some bodies are rejected');
    // Rejected creates stored nothing: every stored fuzz object has passed validation.
    const health = await t.request('GET', '/healthz');
    assert.equal(health.status, 200);
    const pods = await t.request('GET', '/api/v1/pods');
    assert.equal(pods.status, 200);
    for (const p of pods.json.items) {
      assert.ok(Array.isArray(p.spec.containers) && p.spec.containers.length > 0, `stored pod ${p.metadata.name} has containers`);
    }
  });
});
