// serviceaccounts/token (TokenRequest), the service-account token authenticator and issuer
// discovery, against a real API server; `kubectl create token` from kubectl 1.27 and 1.33.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { MemoryStore } from '../../src/store/memory.js';
import { ApiServer } from '../../src/apiserver/server.js';
import type { UserInfo } from '../../src/apiserver/authn.js';
import { httpRequest } from '../helpers/api-server.js';
import {
  DEFAULT_ISSUER, ServiceAccountTokenAuthenticator, ServiceAccountTokenIssuer, signingKeyFromPem, ephemeralSigningKeyPem,
} from '../../src/apiserver/serviceaccount/index.js';

const ADMIN: UserInfo = { name: 'test-admin', groups: ['system:masters', 'system:authenticated'] };

describe('service-account tokens', () => {
  let server: ApiServer;
  let store: MemoryStore;
  const seen: UserInfo[] = [];
  const req = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    httpRequest(server.url, method, path, body, headers);

  before(async () => {
    store = new MemoryStore();
    server = new ApiServer({
      store,
      port: 0,
      // Callers without a bearer token are the test's admin; tokens go on to the token authenticator.
      authenticator: { authenticate: (r: IncomingMessage) => (r.headers.authorization ? undefined : ADMIN) },
      authorizer: { authorize: async (user) => { seen.push(user); return { allowed: true }; } },
    });
    await server.start();
    assert.equal((await req('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } })).status, 201);
    assert.equal((await req('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'other' } })).status, 201);
  });
  after(async () => {
    await server.stop();
    await store.close();
  });

  const tokenFor = async (sa: string, spec: object = {}) => {
    const res = await req('POST', `/api/v1/namespaces/default/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
    return res;
  };

  it('issues an ES256 JWT with the upstream claims and a one-hour default lifetime', async () => {
    const sa = (await req('GET', '/api/v1/namespaces/default/serviceaccounts/builder')).json;
    const res = await tokenFor('builder');
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.kind, 'TokenRequest');
    assert.equal(res.json.apiVersion, 'authentication.k8s.io/v1');
    assert.deepEqual(res.json.spec.audiences, [DEFAULT_ISSUER]);
    assert.equal(res.json.spec.expirationSeconds, 3600);
    const token: string = res.json.status.token;
    const header = decodeProtectedHeader(token);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.kid, server.tokenIssuer.keyId);
    const claims = decodeJwt(token) as any;
    assert.equal(claims.iss, DEFAULT_ISSUER);
    assert.equal(claims.sub, 'system:serviceaccount:default:builder');
    assert.deepEqual(claims.aud, [DEFAULT_ISSUER]);
    assert.equal(claims.exp - claims.iat, 3600);
    assert.equal(claims.nbf, claims.iat);
    assert.match(claims.jti, /^[0-9a-f-]{36}$/);
    assert.deepEqual(claims['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'builder', uid: sa.metadata.uid } });
    const expires = Date.parse(res.json.status.expirationTimestamp);
    assert.equal(expires / 1000, claims.iat + 3600);
  });

  it('refuses lifetimes under ten minutes with 422 Invalid, as upstream', async () => {
    const res = await tokenFor('builder', { expirationSeconds: 60 });
    assert.equal(res.status, 422);
    assert.equal(res.json.reason, 'Invalid');
    assert.equal(res.json.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
  });

  it('answers 404 for a service account that does not exist', async () => {
    const res = await tokenFor('nope');
    assert.equal(res.status, 404);
    assert.equal(res.json.message, 'serviceaccounts "nope" not found');
  });

  it('binds a token to a pod (with its node), refusing another account or a stale uid', async () => {
    const pod = (await req('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'bound' }, spec: { serviceAccountName: 'builder', nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
    })).json;
    const ref = { apiVersion: 'v1', kind: 'Pod', name: 'bound', uid: pod.metadata.uid };
    const res = await tokenFor('builder', { boundObjectRef: ref, audiences: ['vault'] });
    assert.equal(res.status, 201, res.text);
    const k = (decodeJwt(res.json.status.token) as any)['kubernetes.io'];
    assert.deepEqual(k.pod, { name: 'bound', uid: pod.metadata.uid });
    assert.deepEqual(k.node, { name: 'n1' });
    assert.deepEqual((decodeJwt(res.json.status.token) as any).aud, ['vault']);

    const wrongSa = await tokenFor('other', { boundObjectRef: ref });
    assert.equal(wrongSa.status, 400);
    assert.equal(wrongSa.json.message, 'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.');
    const staleUid = await tokenFor('builder', { boundObjectRef: { ...ref, uid: 'not-it' } });
    assert.equal(staleUid.status, 409);
    const badKind = await tokenFor('builder', { boundObjectRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' } });
    assert.equal(badKind.status, 400);
    assert.equal(badKind.json.message, 'cannot bind token to object of type apps/v1, Kind=Deployment');
  });

  it("extends the kubelet's 3607 s pod-bound token to a year with warnafter, reporting 3607 s in status", async () => {
    const pod = (await req('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'extended' }, spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'busybox' }] },
    })).json;
    const res = await tokenFor('builder', { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'extended', uid: pod.metadata.uid } });
    assert.equal(res.status, 201, res.text);
    const claims = decodeJwt(res.json.status.token) as any;
    assert.equal(claims.exp - claims.iat, 365 * 24 * 3600);
    assert.equal(claims['kubernetes.io'].warnafter, claims.iat + 3607);
    assert.equal(Date.parse(res.json.status.expirationTimestamp) / 1000, claims.iat + 3607);
  });

  it('authenticates a bearer token as the service account, until its pod is deleted', async () => {
    const pod = (await req('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'caller' }, spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'busybox' }] },
    })).json;
    const token = (await tokenFor('builder', { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'caller', uid: pod.metadata.uid } })).json.status.token;
    seen.length = 0;
    const ok = await req('GET', '/api/v1/namespaces/default/configmaps', undefined, { Authorization: `Bearer ${token}` });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(seen.at(-1), {
      name: 'system:serviceaccount:default:builder',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    assert.equal((await req('DELETE', '/api/v1/namespaces/default/pods/caller?gracePeriodSeconds=0')).status, 200);
    const gone = await req('GET', '/api/v1/namespaces/default/configmaps', undefined, { Authorization: `Bearer ${token}` });
    assert.equal(gone.status, 401);
  });

  it('refuses tokens for other audiences, expired tokens, foreign signatures and deleted accounts', async () => {
    const authn = new ServiceAccountTokenAuthenticator(server.tokenIssuer, server.resources);
    const vault = (await tokenFor('builder', { audiences: ['vault'] })).json.status.token;
    await assert.rejects(authn.validate(vault), /audiences/);

    const plain = (await tokenFor('builder')).json.status.token;
    const later = new ServiceAccountTokenIssuer({ key: signingKeyFromPem(ephemeralSigningKeyPem()), now: () => new Date(Date.now() + 2 * 3600_000) });
    await assert.rejects(new ServiceAccountTokenAuthenticator(later, server.resources).validate(plain), /exp/);

    const { generateKeyPairSync } = await import('node:crypto');
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const forger = new ServiceAccountTokenIssuer({ key: signingKeyFromPem(otherKey) });
    const forged = await forger.sign(decodeJwt(plain) as any);
    await assert.rejects(authn.validate(forged), /signature/);
    // Another algorithm than the key's is refused before any signature check.
    const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const rsaForged = await new ServiceAccountTokenIssuer({ key: signingKeyFromPem(rsaKey) }).sign(decodeJwt(plain) as any);
    await assert.rejects(authn.validate(rsaForged), /Algorithm/);

    assert.equal((await req('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'short-lived' } })).status, 201);
    const doomed = (await tokenFor('short-lived')).json.status.token;
    assert.equal((await authn.validate(doomed)).name, 'system:serviceaccount:default:short-lived');
    assert.equal((await req('DELETE', '/api/v1/namespaces/default/serviceaccounts/short-lived')).status, 200);
    await assert.rejects(authn.validate(doomed), /deleted/);
    // Recreated under the same name: a new uid, and the old token stays dead.
    assert.equal((await req('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'short-lived' } })).status, 201);
    await assert.rejects(authn.validate(doomed), /does not match claim/);
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps', undefined, { Authorization: `Bearer ${doomed}` })).status, 401);
  });

  it('serves issuer discovery whose JWKS verifies the tokens', async () => {
    const config = (await req('GET', '/.well-known/openid-configuration')).json;
    assert.equal(config.issuer, DEFAULT_ISSUER);
    assert.equal(config.jwks_uri, `${server.url}/openid/v1/jwks`);
    assert.deepEqual(config.id_token_signing_alg_values_supported, ['ES256']);
    const keys = await req('GET', '/openid/v1/jwks');
    assert.equal(keys.headers['content-type'], 'application/jwk-set+json');
    assert.equal(keys.json.keys[0].kid, server.tokenIssuer.keyId);
    assert.deepEqual(Object.keys(keys.json.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(keys.json.keys[0].crv, 'P-256');
    const token = (await tokenFor('builder')).json.status.token;
    const { payload } = await jwtVerify(token, createLocalJWKSet(keys.json), { issuer: DEFAULT_ISSUER, audience: DEFAULT_ISSUER });
    assert.equal(payload.sub, 'system:serviceaccount:default:builder');
  });

  for (const version of ['1.27', '1.33']) {
    it(`kubectl ${version} create token prints a token for the account`, async () => {
      const cacheDir = mkdtempSync(join(tmpdir(), 'sa-kubectl-'));
      try {
        const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(`/usr/lib/google-cloud-sdk/bin/kubectl.${version}`, ['--server', server.url, '--cache-dir', cacheDir, ...args],
            { env: { ...process.env, KUBECONFIG: join(cacheDir, 'none') }, timeout: 60_000 },
            (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
        });
        const ok = await run(['create', 'token', 'builder', '--duration', '20m', '--audience', 'a', '--audience', 'b']);
        assert.equal(ok.code, 0, ok.stderr);
        const claims = decodeJwt(ok.stdout.trim()) as any;
        assert.equal(claims.sub, 'system:serviceaccount:default:builder');
        assert.deepEqual(claims.aud, ['a', 'b']);
        assert.equal(claims.exp - claims.iat, 1200);
        const missing = await run(['create', 'token', 'nope']);
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /serviceaccounts "nope" not found/);
        const short = await run(['create', 'token', 'builder', '--duration', '1m']);
        assert.notEqual(short.code, 0);
        assert.match(short.stderr, /may not specify a duration less than 10 minutes/);
      } finally {
        rmSync(cacheDir, { recursive: true, force: true });
      }
    });
  }
});
