// CertificateSigningRequests as upstream serves them: the requester is recorded on create,
// the request is validated (PEM, signature, signer name, usages), the spec never changes,
// Approved/Denied go through /approval only, the certificate through /status only, and the
// table has upstream's columns.
import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { MemoryStore } from '../../src/store/memory.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { httpRequest, type HttpResult } from '../helpers/api-server.js';

x509.cryptoProvider.set(webcrypto);

const BASE = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const SIGNER = 'example.com/my-signer';
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function keys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function requestPem(cn = 'alice'): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys: await keys(), signingAlgorithm: ALG });
  return csr.toString('pem');
}

async function certificatePem(cn = 'alice'): Promise<string> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: `CN=${cn}`, notBefore: new Date(), notAfter: new Date(Date.now() + 3600_000),
    keys: await keys(), signingAlgorithm: ALG,
  });
  return cert.toString('pem');
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function csr(name: string, request: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
    spec: { request: b64(request), signerName: SIGNER, usages: ['client auth'], ...spec },
  };
}

const approved = (reason = 'ByTest') => ({ type: 'Approved', status: 'True', reason, message: 'approved by the test' });

describe('certificatesigningrequests', () => {
  let server: ApiServer;
  let store: MemoryStore;
  let pem: string;
  const req = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult> =>
    httpRequest(server.url, method, path, body, headers);
  const causes = (r: HttpResult) => (r.json.details?.causes ?? []).map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);

  before(async () => {
    store = new MemoryStore();
    server = new ApiServer({
      store, port: 0,
      authenticator: { authenticate: () => ({ name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] }) },
    });
    await server.start();
    pem = await requestPem();
  });
  after(async () => {
    await server.stop();
    await store.close();
  });

  it('records the requester, not what the body claims, and starts with an empty status', async () => {
    const body = csr('who', pem, { username: 'mallory', uid: 'x', groups: ['system:masters'], extra: { a: ['b'] } });
    (body as any).status = { conditions: [approved()] };
    const r = await req('POST', BASE, body);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.spec.username, 'system:bootstrap:abcdef');
    assert.deepEqual(r.json.spec.groups, ['system:bootstrappers', 'system:authenticated']);
    assert.equal(r.json.spec.uid, undefined);
    assert.equal(r.json.spec.extra, undefined);
    assert.deepEqual(r.json.status, {});
    assert.equal(r.json.metadata.generation, undefined);
  });

  it('rejects requests that break upstream validation, with upstream messages', async () => {
    const cases: { name: string; body: Record<string, unknown>; expect: string }[] = [
      {
        name: 'not a PEM request', body: csr('bad-pem', 'hello'),
        expect: `spec.request: Invalid value: "${b64('hello')}": PEM block type must be CERTIFICATE REQUEST`,
      },
      {
        name: 'a certificate instead of a request', body: csr('bad-type', await certificatePem()),
        expect: 'PEM block type must be CERTIFICATE REQUEST',
      },
      { name: 'no signer', body: csr('no-signer', pem, { signerName: '' }), expect: 'spec.signerName: Required value' },
      {
        name: 'signer without a path', body: csr('bad-signer', pem, { signerName: 'example.com' }),
        expect: `spec.signerName: Invalid value: "example.com": must be a fully qualified domain and path of the form 'example.com/signer-name'`,
      },
      {
        name: 'signer domain with one label', body: csr('short-signer', pem, { signerName: 'example/x' }),
        expect: 'spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots',
      },
      {
        name: 'legacy signer', body: csr('legacy', pem, { signerName: 'kubernetes.io/legacy-unknown' }),
        expect: 'spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
      },
      { name: 'no usages', body: csr('no-usages', pem, { usages: [] }), expect: 'spec.usages: Required value' },
      {
        name: 'unknown usage', body: csr('odd-usage', pem, { usages: ['client auth', 'flying'] }),
        expect: 'spec.usages[1]: Unsupported value: "flying": supported values: "any", "cert sign", "client auth"',
      },
      {
        name: 'duplicate usage', body: csr('dup-usage', pem, { usages: ['client auth', 'client auth'] }),
        expect: 'spec.usages[1]: Duplicate value: "client auth"',
      },
      {
        name: 'too short a duration', body: csr('short', pem, { expirationSeconds: 599 }),
        expect: 'spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)',
      },
    ];
    // A request whose signature does not match its content: flip a bit in the signature.
    const der = Buffer.from(x509.PemConverter.decodeFirst(pem));
    der[der.length - 5]! ^= 0x01;
    cases.push({
      name: 'a signature that does not verify', body: csr('bad-sig', x509.PemConverter.encode(der, 'CERTIFICATE REQUEST')),
      expect: 'spec.request: Invalid value: ',
    });
    for (const c of cases) {
      const r = await req('POST', BASE, c.body);
      assert.equal(r.status, 422, `${c.name}: ${r.text}`);
      assert.equal(r.json.reason, 'Invalid', c.name);
      assert.ok(causes(r).some((m: string) => m.includes(c.expect)), `${c.name}: ${causes(r).join(' | ')}`);
    }
    const sig = await req('POST', BASE, cases.at(-1)!.body);
    assert.match(sig.json.message, /x509: ECDSA verification failure/);
  });

  it('keeps the spec on update, as upstream (the spec is immutable)', async () => {
    const created = (await req('POST', BASE, csr('keep', pem))).json;
    const changed = structuredClone(created);
    changed.spec.signerName = 'example.com/other';
    changed.metadata.labels = { team: 'a' };
    const r = await req('PUT', `${BASE}/keep`, changed);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.spec.signerName, SIGNER);
    assert.deepEqual(r.json.metadata.labels, { team: 'a' });
  });

  it('approves through /approval, changing only the conditions', async () => {
    const created = (await req('POST', BASE, csr('approve-me', pem))).json;
    const body = structuredClone(created);
    body.status = { conditions: [approved()], certificate: b64(await certificatePem()) };
    body.spec.usages = ['server auth'];
    const r = await req('PUT', `${BASE}/approve-me/approval`, body);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.spec.usages, ['client auth']);
    assert.equal(r.json.status.certificate, undefined);
    const cond = r.json.status.conditions[0];
    assert.equal(cond.type, 'Approved');
    assert.match(cond.lastUpdateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(cond.lastTransitionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((await req('GET', `${BASE}/approve-me/approval`)).json.status.conditions[0].type, 'Approved');

    // Once approved, it stays approved: no removal, no Denied beside it.
    const removed = await req('PUT', `${BASE}/approve-me/approval`, { ...r.json, status: { conditions: [] } });
    assert.equal(removed.status, 422);
    assert.ok(causes(removed).includes('status.conditions: Forbidden: updates may not remove a condition of type "Approved"'), removed.text);
    const both = await req('PUT', `${BASE}/approve-me/approval`, {
      ...r.json, status: { conditions: [...r.json.status.conditions, { type: 'Denied', status: 'True' }] },
    });
    assert.equal(both.status, 422);
    assert.ok(causes(both).includes('status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive'), both.text);
  });

  it('accepts a merge patch on /approval, as kubectl certificate approve may send', async () => {
    await req('POST', BASE, csr('patch-me', pem));
    const r = await req('PATCH', `${BASE}/patch-me/approval`, { status: { conditions: [{ type: 'Denied', status: 'True', reason: 'No' }] } },
      { 'content-type': 'application/merge-patch+json' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status.conditions[0].type, 'Denied');
  });

  it('refuses a delete through /approval or /status, as upstream (405)', async () => {
    await req('POST', BASE, csr('not-through-sub', pem));
    for (const sub of ['approval', 'status']) {
      const r = await req('DELETE', `${BASE}/not-through-sub/${sub}`);
      assert.equal(r.status, 405, r.text);
    }
    assert.equal((await req('GET', `${BASE}/not-through-sub`)).status, 200);
  });

  it('does not let /status add or change Approved/Denied', async () => {
    const created = (await req('POST', BASE, csr('status-approve', pem))).json;
    const r = await req('PUT', `${BASE}/status-approve/status`, { ...created, status: { conditions: [approved()] } });
    assert.equal(r.status, 422);
    assert.ok(causes(r).includes('status.conditions: Forbidden: updates may not add a condition of type "Approved"'), r.text);
  });

  it('sets the certificate through /status once, and never through the main resource or /approval', async () => {
    const created = (await req('POST', BASE, csr('issue-me', pem))).json;
    const approvedCsr = (await req('PUT', `${BASE}/issue-me/approval`, { ...created, status: { conditions: [approved()] } })).json;
    const cert = b64(await certificatePem());

    const viaMain = await req('PUT', `${BASE}/issue-me`, { ...approvedCsr, status: { certificate: cert } });
    assert.equal(viaMain.status, 200, viaMain.text);
    assert.equal(viaMain.json.status.certificate, undefined);

    const junk = await req('PUT', `${BASE}/issue-me/status`, { ...viaMain.json, status: { ...viaMain.json.status, certificate: b64('junk') } });
    assert.equal(junk.status, 422);
    assert.ok(causes(junk).includes('status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block'), junk.text);

    const issued = await req('PUT', `${BASE}/issue-me/status`, { ...viaMain.json, status: { ...viaMain.json.status, certificate: cert } });
    assert.equal(issued.status, 200, issued.text);
    assert.equal(issued.json.status.certificate, cert);
    assert.equal(issued.json.status.conditions[0].type, 'Approved');

    const again = await req('PUT', `${BASE}/issue-me/status`, {
      ...issued.json, status: { ...issued.json.status, certificate: b64(await certificatePem('bob')) },
    });
    assert.equal(again.status, 422);
    assert.ok(causes(again).includes('status.certificate: Forbidden: updates may not modify existing certificate content'), again.text);
  });

  it('prints upstream columns: NAME, AGE, SIGNERNAME, REQUESTOR, REQUESTEDDURATION, CONDITION', async () => {
    const created = (await req('POST', BASE, csr('table-me', pem, { expirationSeconds: 3600 }))).json;
    await req('PUT', `${BASE}/table-me/approval`, { ...created, status: { conditions: [approved()] } });
    const cert = b64(await certificatePem());
    const current = (await req('GET', `${BASE}/table-me`)).json;
    await req('PUT', `${BASE}/table-me/status`, { ...current, status: { ...current.status, certificate: cert } });
    await req('POST', BASE, csr('table-pending', pem));

    const r = await req('GET', `${BASE}?fieldSelector=spec.signerName%3D${encodeURIComponent(SIGNER)}`, undefined,
      { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.columnDefinitions.map((c: { name: string }) => c.name),
      ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
    const rows = new Map(r.json.rows.map((row: { cells: unknown[] }) => [row.cells[0], row.cells]));
    const issued = rows.get('table-me') as unknown[];
    assert.deepEqual([issued[2], issued[3], issued[4], issued[5]], [SIGNER, 'system:bootstrap:abcdef', '60m', 'Approved,Issued']);
    const pending = rows.get('table-pending') as unknown[];
    assert.deepEqual([pending[4], pending[5]], ['<none>', 'Pending']);
  });

  it('is served by discovery with its approval and status subresources', async () => {
    const r = await req('GET', '/apis/certificates.k8s.io/v1');
    assert.equal(r.status, 200, r.text);
    const names = r.json.resources.map((x: { name: string }) => x.name);
    assert.ok(names.includes('certificatesigningrequests'));
    assert.ok(names.includes('certificatesigningrequests/approval'));
    assert.ok(names.includes('certificatesigningrequests/status'));
    const main = r.json.resources.find((x: { name: string }) => x.name === 'certificatesigningrequests');
    assert.deepEqual(main.shortNames, ['csr']);
    assert.equal(main.namespaced, false);
  });
});
