// Turns an Ingress service backend into a ready endpoint. Like ingress-nginx we skip the
// ClusterIP and read EndpointSlices directly, so traffic goes straight to pods and follows
// readiness as soon as the slices do; endpoints are taken in turn (round robin).
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Indexer } from '../client/indexer.js';
import type { Lister } from '../client/lister.js';

/** Upstream's label tying an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const SLICES_BY_SERVICE_INDEX = 'ingress-by-service';

/** Indexes slices by `namespace/service`. */
export function slicesByService(slice: EndpointSlice): string[] {
  const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc ? [`${slice.metadata?.namespace ?? ''}/${svc}`] : [];
}

export interface Endpoint {
  host: string;
  port: number;
}

export type Resolution =
  | { ok: true; endpoint: Endpoint }
  | { ok: false; reason: string };

export interface ServiceBackendRef {
  namespace: string;
  name: string;
  port: { number?: number; name?: string };
}

export class BackendResolver {
  private readonly nextIndex = new Map<string, number>();

  constructor(
    private readonly services: Lister<Service>,
    private readonly slices: Indexer<EndpointSlice>,
  ) {}

  /** The next ready endpoint of the backend, or why there is none (the proxy answers 503). */
  pick(ref: ServiceBackendRef): Resolution {
    const all = this.endpoints(ref);
    if (!all.ok) return all;
    const key = `${ref.namespace}/${ref.name}:${ref.port.name ?? ref.port.number}`;
    const i = (this.nextIndex.get(key) ?? 0) % all.endpoints.length;
    this.nextIndex.set(key, i + 1);
    return { ok: true, endpoint: all.endpoints[i]! };
  }

  /** Every ready endpoint of the backend, in a stable order. */
  endpoints(ref: ServiceBackendRef): { ok: true; endpoints: Endpoint[] } | { ok: false; reason: string } {
    const svc = this.services.get(ref.namespace, ref.name);
    if (!svc) return { ok: false, reason: `service ${ref.namespace}/${ref.name} not found` };
    const port = findServicePort(svc, ref.port);
    if (svc.spec?.type === 'ExternalName') {
      // As ingress-nginx: an ExternalName Service is proxied to its DNS name on the asked port.
      const number = ref.port.number ?? port?.port;
      if (!svc.spec.externalName || !number) return { ok: false, reason: `service ${ref.namespace}/${ref.name} has no usable external name or port` };
      return { ok: true, endpoints: [{ host: svc.spec.externalName, port: number }] };
    }
    if (!port) return { ok: false, reason: `service ${ref.namespace}/${ref.name} has no port ${ref.port.name ?? ref.port.number}` };
    const seen = new Set<string>();
    const endpoints: Endpoint[] = [];
    for (const slice of this.slices.byIndex(SLICES_BY_SERVICE_INDEX, `${ref.namespace}/${ref.name}`)) {
      // The slice lists the target port under the service port's name ('' when unnamed).
      const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === 'TCP');
      if (!slicePort?.port) continue;
      for (const ep of slice.endpoints ?? []) {
        // A nil ready condition means ready (EndpointConditions docs).
        if (ep.conditions?.ready === false) continue;
        const address = ep.addresses?.[0];
        if (!address) continue;
        const id = `${address}:${slicePort.port}`;
        if (seen.has(id)) continue;
        seen.add(id);
        endpoints.push({ host: address, port: slicePort.port });
      }
    }
    if (endpoints.length === 0) return { ok: false, reason: `service ${ref.namespace}/${ref.name} has no ready endpoints` };
    endpoints.sort((a, b) => (a.host === b.host ? a.port - b.port : a.host < b.host ? -1 : 1));
    return { ok: true, endpoints };
  }
}

function findServicePort(svc: Service, port: ServiceBackendRef['port']): ServicePort | undefined {
  const ports = svc.spec?.ports ?? [];
  if (port.name) return ports.find((p) => p.name === port.name);
  return ports.find((p) => p.port === port.number);
}
