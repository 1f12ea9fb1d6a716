import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { buildAdminKubeconfig, writeKubeconfig } from '../../src/apiserver/kubeconfig.js';
import { ensurePki, type Pki } from '../../src/apiserver/pki.js';

const run = promisify(execFile);

describe('admin kubeconfig', () => {
  let dir: string;
  let pki: Pki;
  let path: string;
  const server = 'https://127.0.0.1:16443';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coxswain-kubeconfig-'));
    pki = await ensurePki(join(dir, 'tls'), { hosts: [] });
    path = join(dir, 'kubeconfig.yaml');
    await writeKubeconfig(
      path,
      buildAdminKubeconfig({ server, caPem: pki.caCertPem, certPem: pki.adminCertPem, keyPem: pki.adminKeyPem }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is written readable only by its owner, with no temp file left behind', async () => {
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const { readdir } = await import('node:fs/promises');
    assert.deepEqual((await readdir(dir)).sort(), ['kubeconfig.yaml', 'tls']);
  });

  it('loads in @kubernetes/client-node with the coxswain context and embedded credentials', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(await readFile(path, 'utf8'));
    assert.equal(kc.getCurrentContext(), 'coxswain');
    assert.equal(kc.getCurrentCluster()?.server, server);
    assert.equal(kc.getCurrentCluster()?.name, 'coxswain');
    assert.equal(kc.getCurrentUser()?.name, 'coxswain');
    assert.equal(Buffer.from(kc.getCurrentCluster()!.caData!, 'base64').toString('utf8'), pki.caCertPem);
    assert.equal(Buffer.from(kc.getCurrentUser()!.certData!, 'base64').toString('utf8'), pki.adminCertPem);
    assert.equal(Buffer.from(kc.getCurrentUser()!.keyData!, 'base64').toString('utf8'), pki.adminKeyPem);
  });

  it('is read by the real kubectl', async () => {
    const jsonpath = async (expr: string): Promise<string> =>
      (await run('/usr/bin/kubectl', ['config', 'view', '--kubeconfig', path, '--raw', '-o', `jsonpath=${expr}`])).stdout;
    assert.equal(await jsonpath('{.current-context}'), 'coxswain');
    assert.equal(await jsonpath('{.clusters[0].cluster.server}'), server);
    assert.equal(await jsonpath('{.contexts[0].context.user}'), 'coxswain');
    const caData = await jsonpath('{.clusters[0].cluster.certificate-authority-data}');
    assert.equal(Buffer.from(caData, 'base64').toString('utf8'), pki.caCertPem);
  });

  it('lets kubectl authenticate over TLS with the embedded ECDSA certificate and key', async () => {
    // A stand-in API server that requires a client certificate from our CA.
    const seen: string[] = [];
    const https = createServer(
      { key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        seen.push(`${req.url} ${(req.socket as TLSSocket).getPeerCertificate().subject.CN}`);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ major: '1', minor: '33', gitVersion: 'v1.33.0' }));
      },
    );
    await new Promise<void>((done) => https.listen(0, '127.0.0.1', done));
    try {
      const { port } = https.address() as AddressInfo;
      const livePath = join(dir, 'live.yaml');
      await writeKubeconfig(
        livePath,
        buildAdminKubeconfig({
          server: `https://127.0.0.1:${port}`,
          caPem: pki.caCertPem,
          certPem: pki.adminCertPem,
          keyPem: pki.adminKeyPem,
        }),
      );
      const { stdout } = await run('/usr/bin/kubectl', ['--kubeconfig', livePath, 'get', '--raw', '/version']);
      assert.equal(JSON.parse(stdout).gitVersion, 'v1.33.0');
      // kubectl may probe /version?timeout=… first; every request must carry the admin identity.
      assert.ok(seen.includes('/version coxswain-admin'), seen.join(', '));
      assert.ok(seen.every((line) => line.endsWith(' coxswain-admin')), seen.join(', '));
      await rm(livePath);
    } finally {
      await new Promise<void>((done) => https.close(() => done()));
    }
  });

  it('names cluster, user and context after a custom context name', () => {
    const text = buildAdminKubeconfig({ server, caPem: 'x', certPem: 'y', keyPem: 'z', context: 'lab' });
    const kc = new KubeConfig();
    kc.loadFromString(text);
    assert.deepEqual(kc.getContexts().map((c) => [c.name, c.cluster, c.user]), [['lab', 'lab', 'lab']]);
    assert.equal(kc.getCurrentContext(), 'lab');
  });
});
