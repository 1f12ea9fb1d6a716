import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import { Indexer } from '../../src/client/indexer.js';
import { Lister } from '../../src/client/lister.js';
import { CertificateStore } from '../../src/ingress/certificate-store.js';
import type { CertificatePair } from '../../src/ingress/default-certificate.js';
import { createDefaultCertificate } from '../../src/ingress/default-certificate.js';
import type { Logger } from '../../src/logger.js';
import { nullLogger } from '../../src/logger.js';
import { tlsSecretData } from './helpers.js';

function secret(name: string, data: Record<string, string>, resourceVersion = '1'): Secret {
  return { metadata: { name, namespace: 'default', resourceVersion }, type: 'kubernetes.io/tls', data };
}

function ingress(name: string, created: string, tls: { hosts?: string[]; secretName: string }[], ruleHosts: string[] = []): Ingress {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: created },
    spec: { tls, rules: ruleHosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } })) },
  };
}

describe('CertificateStore', () => {
  let defaults: CertificatePair;
  const secrets = new Indexer<Secret>();
  const lister = new Lister(secrets);
  const warnings: string[] = [];
  const logger: Logger = { ...nullLogger, warn: (msg) => warnings.push(msg), child: () => logger };

  before(async () => {
    defaults = await createDefaultCertificate();
    secrets.upsert(secret('a', await tlsSecretData(['a.example.com'])));
    secrets.upsert(secret('a-other', await tlsSecretData(['a.example.com', 'other.example.com'])));
    secrets.upsert(secret('wild', await tlsSecretData(['*.example.org'])));
    secrets.upsert(secret('broken', { 'tls.crt': Buffer.from('not a certificate').toString('base64'), 'tls.key': 'eA==' }));
  });

  it('binds hosts to their Secrets, exact and wildcard, and falls back to the default certificate', () => {
    const store = new CertificateStore(defaults, logger);
    store.rebuild([ingress('i', '2024-01-01T00:00:00Z', [{ hosts: ['a.example.com'], secretName: 'a' }, { hosts: ['*.example.org'], secretName: 'wild' }])], lister);
    assert.equal(store.secretFor('a.example.com'), 'default/a');
    assert.equal(store.secretFor('A.Example.com'), 'default/a');
    assert.equal(store.secretFor('shop.example.org'), 'default/wild');
    assert.equal(store.secretFor('x.shop.example.org'), undefined);
    assert.equal(store.contextFor(undefined), store.defaultContext);
  });

  it('gives a host claimed twice to the oldest Ingress', () => {
    const store = new CertificateStore(defaults, logger);
    store.rebuild([
      ingress('newer', '2024-02-01T00:00:00Z', [{ hosts: ['a.example.com'], secretName: 'a-other' }]),
      ingress('older', '2024-01-01T00:00:00Z', [{ hosts: ['a.example.com'], secretName: 'a' }]),
    ], lister);
    assert.equal(store.secretFor('a.example.com'), 'default/a');
  });

  it('covers the rule hosts when a TLS entry lists none', () => {
    const store = new CertificateStore(defaults, logger);
    store.rebuild([ingress('i', '2024-01-01T00:00:00Z', [{ secretName: 'a-other' }], ['other.example.com'])], lister);
    assert.equal(store.secretFor('other.example.com'), 'default/a-other');
    assert.equal(store.secretFor('a.example.com'), undefined);
  });

  it('warns once and serves the default certificate for a missing, broken or non-matching Secret', () => {
    warnings.length = 0;
    const store = new CertificateStore(defaults, logger);
    const ings = [ingress('i', '2024-01-01T00:00:00Z', [
      { hosts: ['missing.example.com'], secretName: 'nope' },
      { hosts: ['broken.example.com'], secretName: 'broken' },
      { hosts: ['b.example.com'], secretName: 'a' },
    ])];
    store.rebuild(ings, lister);
    store.rebuild(ings, lister);
    for (const h of ['missing.example.com', 'broken.example.com', 'b.example.com']) assert.equal(store.secretFor(h), undefined, h);
    assert.deepEqual(warnings.map((w) => w.split(';')[0]), ['TLS secret not found', 'TLS secret unusable', 'TLS certificate does not cover the host']);
  });
});
