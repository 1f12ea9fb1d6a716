// The root CA publisher needs the cluster CA, so like the certificate controllers it is
// started by `coxswain up`, which holds the data dir's PKI.
import type { ControllerFactory } from '../manager.js';
import { RootCaCertPublisher } from './root-ca-cert-publisher.js';

export function rootCaCertControllers(caPem: string): Record<string, ControllerFactory> {
  return { 'root-ca-cert-publisher': (ctx) => new RootCaCertPublisher(ctx, caPem) };
}

export { RootCaCertPublisher, ROOT_CA_CONFIG_MAP } from './root-ca-cert-publisher.js';
