import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1.js';
import { ensurePki, type Pki } from '../../src/apiserver/pki.js';
import { BootstrapTokenAuthenticator, bearerToken } from '../../src/apiserver/bootstrap-token/authenticator.js';
import {
  bootstrapTokenSecret, BOOTSTRAP_TOKEN_NAMESPACE, DEFAULT_NODE_TOKEN_GROUP,
} from '../../src/apiserver/bootstrap-token/secret.js';
import {
  caCertHash, formatBootstrapToken, formatJoinToken, generateBootstrapToken, parseJoinToken, type BootstrapToken,
} from '../../src/apiserver/bootstrap-token/token.js';
import {
  CLUSTER_INFO_PATH, ClusterInfoAnonymousAuthenticator, clusterInfoConfigMap, readClusterInfo,
} from '../../src/apiserver/bootstrap-token/cluster-info.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const TOKEN: BootstrapToken = { id: 'abcdef', secret: '0123456789abcdef' };

function request(headers: Record<string, string>, url = '/api/v1/nodes', method = 'GET'): IncomingMessage {
  return { headers, url, method, socket: {} } as unknown as IncomingMessage;
}

function authenticatorWith(...secretsInStore: Secret[]): BootstrapTokenAuthenticator {
  const byName = new Map(secretsInStore.map((s) => [s.metadata!.name!, s]));
  return new BootstrapTokenAuthenticator((name) => byName.get(name), () => NOW);
}

function withData(secret: Secret, changes: Record<string, string | undefined>): Secret {
  const data = { ...secret.data };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete data[k];
    else data[k] = Buffer.from(v).toString('base64');
  }
  return { ...secret, data };
}

describe('bootstrap tokens', () => {
  it('are six and sixteen characters of [a-z0-9], as kubeadm makes them', () => {
    for (let i = 0; i < 20; i++) assert.match(formatBootstrapToken(generateBootstrapToken()), /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  });

  it('are stored as kube-system/bootstrap-token-<id> in upstream\'s Secret layout', () => {
    const secret = bootstrapTokenSecret(TOKEN, { expiration: new Date('2030-01-02T03:04:05.678Z') });
    assert.equal(secret.metadata?.name, 'bootstrap-token-abcdef');
    assert.equal(secret.metadata?.namespace, BOOTSTRAP_TOKEN_NAMESPACE);
    assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
    const data = Object.fromEntries(Object.entries(secret.data!).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    assert.deepEqual(data, {
      'token-id': 'abcdef',
      'token-secret': '0123456789abcdef',
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': DEFAULT_NODE_TOKEN_GROUP,
      expiration: '2030-01-02T03:04:05Z',
    });
  });
});

describe('join tokens', () => {
  let dir: string;
  let pki: Pki;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coxswain-join-token-'));
    pki = await ensurePki(dir, { hosts: [] });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('pin the CA by the SHA-256 of its public key, as kubeadm\'s --discovery-token-ca-cert-hash', () => {
    const spki = new X509Certificate(pki.caCertPem).publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(caCertHash(pki.caCertPem), createHash('sha256').update(spki).digest('hex'));
  });

  it('round-trip as K10<hash>::<id>.<secret>', () => {
    const hash = caCertHash(pki.caCertPem);
    const text = formatJoinToken(TOKEN, hash);
    assert.equal(text, `K10${hash}::abcdef.0123456789abcdef`);
    assert.deepEqual(parseJoinToken(text), { token: TOKEN, caHash: hash });
  });

  const rows: Array<[string, string, ReturnType<typeof parseJoinToken>]> = [
    ['a bare bootstrap token, without a pin', 'abcdef.0123456789abcdef', { token: TOKEN }],
    ['surrounding whitespace (a pasted file)', ' abcdef.0123456789abcdef\n', { token: TOKEN }],
    ['upper case in the token', 'ABCDEF.0123456789abcdef', undefined],
    ['a short secret', 'abcdef.0123', undefined],
    ['a K10 token without ::', `K10${'a'.repeat(64)}abcdef.0123456789abcdef`, undefined],
    ['a K10 token with a short hash', 'K10abc::abcdef.0123456789abcdef', undefined],
    ['a k3s password instead of a bootstrap token', `K10${'a'.repeat(64)}::server:secret`, undefined],
  ];
  for (const [name, text, expected] of rows) {
    it(`parse ${name}`, () => assert.deepEqual(parseJoinToken(text), expected));
  }
});

describe('BootstrapTokenAuthenticator', () => {
  const valid = bootstrapTokenSecret(TOKEN);
  const bearer = (t: string) => request({ authorization: `Bearer ${t}` });

  it('authenticates a valid token as system:bootstrap:<id> with upstream\'s groups', () => {
    const user = authenticatorWith(valid).authenticate(bearer('abcdef.0123456789abcdef'));
    assert.deepEqual(user, {
      name: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:coxswain:default-node-token', 'system:authenticated'],
    });
  });

  it('accepts a token that expires later', () => {
    const secret = bootstrapTokenSecret(TOKEN, { expiration: new Date(NOW.getTime() + 60_000) });
    assert.equal(authenticatorWith(secret).authenticate(bearer('abcdef.0123456789abcdef'))?.name, 'system:bootstrap:abcdef');
  });

  it('accepts the scheme in any case, as upstream', () => {
    assert.ok(authenticatorWith(valid).authenticate(request({ authorization: 'bearer abcdef.0123456789abcdef' })));
  });

  const rejected: Array<[string, Secret[], string]> = [
    ['a wrong secret', [valid], 'abcdef.0123456789abcdee'],
    ['a token with no Secret', [], 'abcdef.0123456789abcdef'],
    ['an expired token', [bootstrapTokenSecret(TOKEN, { expiration: new Date(NOW.getTime() - 1000) })], 'abcdef.0123456789abcdef'],
    ['a token expiring exactly now', [bootstrapTokenSecret(TOKEN, { expiration: NOW })], 'abcdef.0123456789abcdef'],
    ['an unparseable expiration', [withData(valid, { expiration: 'tomorrow' })], 'abcdef.0123456789abcdef'],
    ['a token not for authentication', [withData(valid, { 'usage-bootstrap-authentication': undefined })], 'abcdef.0123456789abcdef'],
    ['a Secret of another type', [{ ...valid, type: 'Opaque' }], 'abcdef.0123456789abcdef'],
    ['a Secret being deleted', [{ ...valid, metadata: { ...valid.metadata, deletionTimestamp: NOW.toISOString() } }], 'abcdef.0123456789abcdef'],
    ['a Secret whose token-id differs', [withData(valid, { 'token-id': 'zzzzzz' })], 'abcdef.0123456789abcdef'],
    ['an extra group outside system:bootstrappers:', [withData(valid, { 'auth-extra-groups': 'system:masters' })], 'abcdef.0123456789abcdef'],
    ['a bearer token of another shape (a service-account JWT)', [valid], 'eyJhbGciOiJSUzI1NiJ9.e30.sig'],
  ];
  for (const [name, store, token] of rejected) {
    it(`does not authenticate ${name}`, () => {
      assert.equal(authenticatorWith(...store).authenticate(bearer(token)), undefined);
    });
  }

  it('ignores requests without a bearer token', () => {
    assert.equal(authenticatorWith(valid).authenticate(request({})), undefined);
    assert.equal(authenticatorWith(valid).authenticate(request({ authorization: 'Basic YWRtaW46YWRtaW4=' })), undefined);
    assert.equal(bearerToken('Bearer  a.b  '), 'a.b');
  });
});

describe('cluster-info', () => {
  it('carries the server and CA in a kubeconfig without users', () => {
    const cm = clusterInfoConfigMap('https://127.0.0.1:6443', '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    assert.deepEqual([cm.metadata?.namespace, cm.metadata?.name], ['kube-public', 'cluster-info']);
    assert.deepEqual(readClusterInfo(cm), { server: 'https://127.0.0.1:6443', caPem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' });
    assert.doesNotMatch(cm.data!.kubeconfig!, /token|client-key/);
  });

  it('may be read anonymously, and nothing else may', () => {
    const anonymous = new ClusterInfoAnonymousAuthenticator();
    assert.equal(anonymous.authenticate(request({}, CLUSTER_INFO_PATH))?.name, 'system:anonymous');
    assert.equal(anonymous.authenticate(request({}, `${CLUSTER_INFO_PATH}?resourceVersion=0`))?.name, 'system:anonymous');
    assert.equal(anonymous.authenticate(request({}, CLUSTER_INFO_PATH, 'PUT')), undefined);
    assert.equal(anonymous.authenticate(request({}, '/api/v1/namespaces/kube-public/configmaps')), undefined);
    assert.equal(anonymous.authenticate(request({}, '/api/v1/namespaces/kube-system/configmaps/cluster-info')), undefined);
    // A caller who sent credentials is judged by them (a bad token is 401, as upstream).
    assert.equal(anonymous.authenticate(request({ authorization: 'Bearer nope' }, CLUSTER_INFO_PATH)), undefined);
  });
});
