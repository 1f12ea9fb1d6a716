// Which endpoints a service port sends traffic to, after upstream's CategorizeEndpoints
// (pkg/proxy/topology.go): Ready endpoints only; when none is Ready, endpoints that are
// serving and terminating (the "terminating endpoints fallback"); a Local traffic policy
// narrows the choice to endpoints on this node, with the same fallback among those.
import type { EndpointInfo } from './service-ports.js';

export interface CategorizedEndpoints {
  /** For traffic under the Cluster policy. */
  cluster: EndpointInfo[];
  /** For traffic under the Local policy: only this node's endpoints. */
  local: EndpointInfo[];
}

const servingTerminating = (ep: EndpointInfo) => ep.serving && ep.terminating;

export function categorizeEndpoints(endpoints: readonly EndpointInfo[], nodeName: string): CategorizedEndpoints {
  let cluster = endpoints.filter((ep) => ep.ready);
  if (cluster.length === 0) cluster = endpoints.filter(servingTerminating);
  const isLocal = (ep: EndpointInfo) => ep.nodeName === nodeName;
  let local = endpoints.filter((ep) => isLocal(ep) && ep.ready);
  if (local.length === 0) local = endpoints.filter((ep) => isLocal(ep) && servingTerminating(ep));
  return { cluster, local };
}
