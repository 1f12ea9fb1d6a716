// The certificate controllers, by their upstream kube-controller-manager names. The signer
// needs the CA key, so these are not in the default registry: `coxswain up`, which holds the
// data dir's PKI, starts them with it.
import type { ControllerFactory } from '../manager.js';
import { CsrApprovingController } from './csr-approving.js';
import { CsrSigningController, type SigningCa } from './csr-signing.js';

export function certificateControllers(ca: SigningCa): Record<string, ControllerFactory> {
  return {
    csrapproving: (ctx) => new CsrApprovingController(ctx),
    csrsigning: (ctx) => new CsrSigningController(ctx, ca),
  };
}

export { CsrApprovingController } from './csr-approving.js';
export { CsrSigningController, type SigningCa } from './csr-signing.js';
export * from './csr-resource.js';
