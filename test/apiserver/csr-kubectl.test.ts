// Real kubectl (1.27 and 1.33) with CertificateSigningRequests: `get csr` shows upstream's
// columns, `certificate approve|deny` go through the /approval subresource, and `explain`
// finds the kind in the OpenAPI documents.
import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { startTestServer, type TestServer } from '../helpers/api-server.js';

x509.cryptoProvider.set(webcrypto);
const exec = promisify(execFile);
const KUBECTLS = ['1.27', '1.33']
  .map((version) => ({ version, binary: `/usr/lib/google-cloud-sdk/bin/kubectl.${version}` }))
  .filter((k) => existsSync(k.binary));
const BASE = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** kubectl's table as rows of cells (columns are separated by two or more spaces). */
function table(text: string): string[][] {
  return text.trimEnd().split('\n').map((line) => line.trim().split(/\s{2,}/));
}

describe('kubectl with certificatesigningrequests', { skip: KUBECTLS.length === 0 ? 'no kubectl binaries' : false }, () => {
  let t: TestServer;
  let home: string;
  let request: string;

  before(async () => {
    t = await startTestServer();
    home = await mkdtemp(join(tmpdir(), 'csr-kubectl-'));
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=alice', keys, signingAlgorithm: ALG });
    request = Buffer.from(csr.toString('pem'), 'utf8').toString('base64');
  });
  after(async () => {
    await t.stop();
    await rm(home, { recursive: true, force: true });
  });

  async function create(name: string, expirationSeconds?: number): Promise<void> {
    const r = await t.request('POST', BASE, {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
      spec: { request, signerName: 'example.com/signer', usages: ['client auth', 'digital signature'], expirationSeconds },
    });
    assert.equal(r.status, 201, r.text);
  }

  for (const { version, binary } of KUBECTLS) {
    const kubectl = async (...args: string[]) => {
      const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: home };
      return exec(binary, ['-s', t.url, '--cache-dir', join(home, version), ...args], { env, timeout: 20_000 });
    };

    it(`kubectl ${version}: get csr shows upstream's columns`, async () => {
      await create(`get-${version}`, 3600);
      const rows = table((await kubectl('get', 'csr', `get-${version}`)).stdout);
      assert.deepEqual(rows[0], ['NAME', 'AGE', 'SIGNERNAME', 'REQUESTOR', 'REQUESTEDDURATION', 'CONDITION']);
      assert.equal(rows[1]![0], `get-${version}`);
      assert.match(rows[1]![1]!, /^\d+s$/);
      assert.deepEqual(rows[1]!.slice(2), ['example.com/signer', 'test-admin', '60m', 'Pending']);
    });

    it(`kubectl ${version}: certificate approve and deny change the condition`, async () => {
      await create(`yes-${version}`);
      await create(`no-${version}`);
      assert.match((await kubectl('certificate', 'approve', `yes-${version}`)).stdout, new RegExp(`certificatesigningrequest.certificates.k8s.io/yes-${version} approved`));
      assert.match((await kubectl('certificate', 'deny', `no-${version}`)).stdout, new RegExp(`certificatesigningrequest.certificates.k8s.io/no-${version} denied`));

      const rows = table((await kubectl('get', 'csr', `yes-${version}`, `no-${version}`)).stdout);
      assert.equal(rows.find((r) => r[0] === `yes-${version}`)?.[5], 'Approved');
      assert.equal(rows.find((r) => r[0] === `no-${version}`)?.[5], 'Denied');
      const approved = (await t.request('GET', `${BASE}/yes-${version}`)).json;
      assert.equal(approved.status.conditions[0].reason, 'KubectlApprove');
      assert.deepEqual(approved.spec.usages, ['client auth', 'digital signature']);

      // kubectl refuses to flip a decision; the server would refuse it as well.
      await assert.rejects(kubectl('certificate', 'deny', `yes-${version}`), /already Approved/);
    });

    it(`kubectl ${version}: explain finds the kind`, async () => {
      const out = (await kubectl('explain', 'csr.spec.signerName')).stdout;
      assert.match(out, /KIND:\s+CertificateSigningRequest/);
      assert.match(out, /signerName/);
    });
  }
});
