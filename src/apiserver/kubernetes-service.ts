// The `default/kubernetes` Service and its Endpoints and EndpointSlice, kept by the API server
// as upstream's bootstrap controller and endpoint reconciler do: the Service gets the first
// address of the service range and port `https` 443 to the API server's port; the Endpoints
// (skipped by the mirroring controller) and the EndpointSlice advertise this server. Checked
// again every interval (upstream: 10 s), so a deleted or altered object comes back.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../api/kinds.js';
import { AlreadyExistsError, NotFoundError } from '../api/errors.js';
import type { Logger } from '../logger.js';
import { nullLogger } from '../logger.js';
import type { ResourceRegistry } from './resources.js';
import type { ResourceStore } from './resource-store.js';
import { prepareForCreate } from './strategy.js';

export interface KubernetesServiceOptions {
  /** The Service's ClusterIP: the first address of the service range. */
  serviceIP: string;
  /** The address this server advertises; 0.0.0.0 or :: become 127.0.0.1. */
  advertiseAddress: string;
  port: number;
  /** Upstream --endpoint-reconciler interval: 10 s. */
  intervalMs?: number;
  logger?: Logger;
}

const NAMESPACE = 'default';
const NAME = 'kubernetes';

export class KubernetesServiceController {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly logger: Logger;
  readonly address: string;

  constructor(private readonly resources: ResourceRegistry, private readonly opts: KubernetesServiceOptions) {
    this.logger = opts.logger ?? nullLogger;
    const a = opts.advertiseAddress;
    this.address = a === '0.0.0.0' || a === '::' || a === '' ? '127.0.0.1' : a;
  }

  /** Reconciles once (so the objects exist when the server reports ready), then periodically. */
  async start(): Promise<void> {
    await this.reconcile();
    this.timer = setInterval(() => void this.reconcileLogged(), this.opts.intervalMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async reconcileLogged(): Promise<void> {
    if (this.running) return;
    this.running = this.reconcile()
      .catch((err) => this.logger.warn('reconciling the kubernetes service failed', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => (this.running = undefined));
    await this.running;
  }

  async reconcile(): Promise<void> {
    await this.reconcileService();
    await this.reconcileEndpoints();
    await this.reconcileEndpointSlice();
  }

  private get ports(): { name: string; port: number; protocol: string }[] {
    return [{ name: 'https', port: this.opts.port, protocol: 'TCP' }];
  }

  private async reconcileService(): Promise<void> {
    const store = this.resources.core('services');
    const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: this.opts.port }];
    const current = await getOrUndefined(store, NAME);
    if (!current) {
      // As upstream, the address comes from the allocator's pool: refuse to share it.
      const holder = store.cache.list().find((o) => o.obj.spec?.clusterIP === this.opts.serviceIP);
      if (holder) {
        this.logger.error('the kubernetes service address is taken', { ip: this.opts.serviceIP, service: `${holder.obj.metadata?.namespace}/${holder.obj.metadata?.name}` });
        return;
      }
      await create(this.resources, 'services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: NAME, namespace: NAMESPACE, labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          type: 'ClusterIP',
          clusterIP: this.opts.serviceIP,
          clusterIPs: [this.opts.serviceIP],
          ports,
          sessionAffinity: 'None',
        },
      });
      return;
    }
    // As upstream's getMasterServiceUpdateIfNeeded: only the ports and the type are put back.
    const portsOk = isDeepStrictEqual(current.spec?.ports?.map(({ name, port, protocol, targetPort }: any) => ({ name, port, protocol, targetPort })), ports);
    if (portsOk && current.spec?.type === 'ClusterIP') return;
    await store.update(NAMESPACE, NAME, (svc) => {
      delete svc.metadata!.resourceVersion;
      svc.spec = { ...svc.spec, type: 'ClusterIP', ports };
      for (const p of svc.spec.ports) delete p.nodePort;
      return svc;
    });
  }

  private async reconcileEndpoints(): Promise<void> {
    const desired = {
      labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      subsets: [{ addresses: [{ ip: this.address }], ports: this.ports }],
    };
    const store = this.resources.core('endpoints');
    const current = await getOrUndefined(store, NAME);
    if (!current) {
      await create(this.resources, 'endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: NAME, namespace: NAMESPACE, labels: desired.labels }, subsets: desired.subsets });
      return;
    }
    if (isDeepStrictEqual(current.subsets, desired.subsets) && isDeepStrictEqual(current.metadata?.labels, desired.labels)) return;
    await store.update(NAMESPACE, NAME, (ep) => {
      delete ep.metadata!.resourceVersion;
      ep.metadata!.labels = desired.labels;
      ep.subsets = desired.subsets;
      return ep;
    });
  }

  private async reconcileEndpointSlice(): Promise<void> {
    const def = this.resources.lookup('discovery.k8s.io', 'v1', 'endpointslices');
    if (!def) return;
    const store = this.resources.storeFor(def);
    const desired = {
      labels: { 'kubernetes.io/service-name': NAME },
      addressType: 'IPv4',
      endpoints: [{ addresses: [this.address], conditions: { ready: true } }],
      ports: this.ports,
    };
    const current = await getOrUndefined(store, NAME);
    if (!current) {
      await create(this.resources, 'endpointslices', {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: NAME, namespace: NAMESPACE, labels: desired.labels },
        addressType: desired.addressType,
        endpoints: desired.endpoints,
        ports: desired.ports,
      }, 'discovery.k8s.io');
      return;
    }
    const same = isDeepStrictEqual(current.endpoints, desired.endpoints) && isDeepStrictEqual(current.ports, desired.ports)
      && isDeepStrictEqual(current.metadata?.labels, desired.labels) && current.addressType === desired.addressType;
    if (same) return;
    await store.update(NAMESPACE, NAME, (slice) => {
      delete slice.metadata!.resourceVersion;
      slice.metadata!.labels = desired.labels;
      return { ...slice, addressType: desired.addressType, endpoints: desired.endpoints, ports: desired.ports };
    });
  }
}

async function getOrUndefined(store: ResourceStore, name: string): Promise<KubeObject | undefined> {
  try {
    return (await store.get(NAMESPACE, name)).obj;
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

async function create(resources: ResourceRegistry, resource: string, obj: KubeObject, group = ''): Promise<void> {
  const def = resources.lookup(group, 'v1', resource)!;
  prepareForCreate(def, obj);
  def.applyDefaults?.(obj);
  try {
    await resources.storeFor(def).create(obj);
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
  }
}
