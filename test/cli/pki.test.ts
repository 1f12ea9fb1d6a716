import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, issueClientCertificate, type Pki } from '../../src/apiserver/pki.js';

describe('ensurePki', () => {
  let dir: string;
  let pki: Pki;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coxswain-pki-'));
    pki = await ensurePki(join(dir, 'tls'), { hosts: ['node-1.example', '192.0.2.10'] });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a CA certificate that can sign', () => {
    const ca = new X509Certificate(pki.caCertPem);
    assert.equal(ca.ca, true);
    assert.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
    assert.equal(createPrivateKey(pki.caKeyPem).asymmetricKeyType, 'ec');
  });

  it('makes a serving certificate that chains to the CA and names every host', () => {
    const ca = new X509Certificate(pki.caCertPem);
    const server = new X509Certificate(pki.serverCertPem);
    assert.equal(server.ca, false);
    assert.ok(server.checkIssued(ca));
    assert.ok(server.verify(ca.publicKey));
    for (const name of [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
      'node-1.example',
    ]) {
      assert.equal(server.checkHost(name), name, `SAN for ${name}`);
    }
    for (const ip of ['127.0.0.1', '::1', '10.43.0.1', '192.0.2.10']) {
      assert.equal(server.checkIP(ip), ip, `SAN for ${ip}`);
    }
    assert.equal(server.checkHost('other.example'), undefined);
    assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  });

  it('makes an admin client certificate in the system:masters group', () => {
    const ca = new X509Certificate(pki.caCertPem);
    const admin = new X509Certificate(pki.adminCertPem);
    assert.ok(admin.verify(ca.publicKey));
    assert.deepEqual(admin.subject.split('\n').sort(), ['CN=coxswain-admin', 'O=system:masters']);
    assert.deepEqual(admin.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  });

  it('writes keys readable only by the owner and certificates readable by all', async () => {
    for (const file of ['ca.key', 'server.key', 'admin.key']) {
      assert.equal((await stat(join(dir, 'tls', file))).mode & 0o777, 0o600, file);
    }
    for (const file of ['ca.crt', 'server.crt', 'admin.crt']) {
      assert.equal((await stat(join(dir, 'tls', file))).mode & 0o777, 0o644, file);
    }
    assert.equal(await readFile(join(dir, 'tls', 'server.key'), 'utf8'), pki.serverKeyPem);
    assert.match(pki.serverKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  });

  it('reuses the files on a later start with the same hosts', async () => {
    const again = await ensurePki(join(dir, 'tls'), { hosts: ['192.0.2.10', 'node-1.example', 'localhost'] });
    assert.deepEqual(again, pki);
  });

  it('reissues only the serving certificate when the hosts change', async () => {
    const tls = join(dir, 'tls-hosts');
    const first = await ensurePki(tls, { hosts: ['a.example'] });
    const second = await ensurePki(tls, { hosts: ['b.example'] });
    assert.equal(second.caCertPem, first.caCertPem);
    assert.equal(second.adminCertPem, first.adminCertPem);
    assert.notEqual(second.serverCertPem, first.serverCertPem);
    const server = new X509Certificate(second.serverCertPem);
    assert.equal(server.checkHost('b.example'), 'b.example');
    assert.equal(server.checkHost('a.example'), undefined);
  });

  it('renews leaf certificates that are near expiry but keeps the CA', async () => {
    const tls = join(dir, 'tls-expiry');
    const first = await ensurePki(tls, { hosts: [] });
    const in300Days = new Date(Date.now() + 300 * 24 * 3600 * 1000);
    const later = await ensurePki(tls, { hosts: [], now: in300Days });
    assert.equal(later.caCertPem, first.caCertPem);
    assert.notEqual(later.serverCertPem, first.serverCertPem);
    assert.notEqual(later.adminCertPem, first.adminCertPem);
  });

  it('reissues a leaf whose key no longer matches its certificate', async () => {
    const tls = join(dir, 'tls-mismatch');
    const first = await ensurePki(tls, { hosts: [] });
    await writeFile(join(tls, 'admin.key'), first.serverKeyPem, { mode: 0o600 });
    const second = await ensurePki(tls, { hosts: [] });
    assert.notEqual(second.adminCertPem, first.adminCertPem);
    assert.equal(second.caCertPem, first.caCertPem);
  });

  it('issues further client certificates from the same CA', async () => {
    const node = await issueClientCertificate(pki, {
      commonName: 'system:node:worker-1',
      organizations: ['system:nodes'],
      days: 30,
    });
    const cert = new X509Certificate(node.certPem);
    assert.ok(cert.verify(new X509Certificate(pki.caCertPem).publicKey));
    assert.deepEqual(cert.subject.split('\n').sort(), ['CN=system:node:worker-1', 'O=system:nodes']);
    const days = (Date.parse(cert.validTo) - Date.now()) / (24 * 3600 * 1000);
    assert.ok(days > 29 && days <= 30, `valid for ${days} days`);
  });

  it('serves TLS that a client holding the admin certificate and the CA accepts', async () => {
    const server = createServer(
      { key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.end(JSON.stringify({ cn: peer.subject.CN, o: peer.subject.O }));
      },
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((done, fail) => {
        const req = request(
          // servername "kubernetes" checks a DNS SAN too, the way in-cluster clients connect.
          { host: '127.0.0.1', port, servername: 'kubernetes', path: '/', ca: pki.caCertPem, cert: pki.adminCertPem, key: pki.adminKeyPem },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => done(text));
          },
        );
        req.on('error', fail);
        req.end();
      });
      assert.deepEqual(JSON.parse(body), { cn: 'coxswain-admin', o: 'system:masters' });
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});
