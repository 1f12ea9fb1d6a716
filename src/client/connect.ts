// The two ways a component gets a client: from a kubeconfig (a remote API server over
// HTTPS), or in-process (an ApiServer in the same process, e.g. under `coxswain up`).
import type { ApiClientOptions } from './api-client.js';
import { ApiClient } from './api-client.js';
import { HttpTransport } from './http-transport.js';
import type { LocalHandler, LocalUser } from './in-process-transport.js';
import { InProcessTransport } from './in-process-transport.js';
import { loadKubeconfigFile } from './kubeconfig.js';

export function clientFromKubeconfig(path: string, opts: ApiClientOptions & { context?: string } = {}): ApiClient {
  const { context, ...clientOpts } = opts;
  return new ApiClient(new HttpTransport({ ...loadKubeconfigFile(path, { context }), userAgent: opts.userAgent }), clientOpts);
}

/** `handleLocal` is ApiServer.handleLocal bound to its server; `user` is who the authorizer sees. */
export function inProcessClient(handleLocal: LocalHandler, user: LocalUser, opts: ApiClientOptions = {}): ApiClient {
  return new ApiClient(new InProcessTransport(handleLocal, user), opts);
}
