// Publishes where served Ingresses are reachable: status.loadBalancer.ingress set to the node
// addresses (`ip` for addresses, `hostname` for names), through the ingresses/status
// subresource, as ingress-nginx does with its --publish-status-address. Level-triggered: a
// key is re-read from the cache and only written when the status differs.
import type { Ingress, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1.js';
import { isIP } from 'node:net';
import type { ApiClient } from '../client/api-client.js';
import { isNotFound } from '../client/errors.js';
import { splitMetaNamespaceKey } from '../client/indexer.js';
import type { Lister } from '../client/lister.js';
import { RateLimitingQueue } from '../client/rate-limiting-queue.js';
import { ingresses as ingressResource } from '../client/resources.js';
import type { Logger } from '../logger.js';

export function loadBalancerIngress(addresses: readonly string[]): IngressLoadBalancerIngress[] {
  const entries = [...new Set(addresses)].map((a) => (isIP(a) ? { ip: a } : { hostname: a }));
  // Sorted, as ingress-nginx sorts them, so that the comparison below is stable.
  return entries.sort((a, b) => ((a.ip ?? a.hostname)! < (b.ip ?? b.hostname)! ? -1 : 1));
}

export class IngressStatusUpdater {
  private readonly queue = new RateLimitingQueue<string>();
  private worker: Promise<void> | undefined;
  private readonly desired: IngressLoadBalancerIngress[];

  constructor(
    private readonly client: ApiClient,
    private readonly lister: Lister<Ingress>,
    private readonly serves: (ing: Ingress) => boolean,
    addresses: readonly string[],
    private readonly logger: Logger,
  ) {
    this.desired = loadBalancerIngress(addresses);
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    this.worker ??= this.run();
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.worker;
  }

  /** Writes the status of one Ingress if it is ours and out of date. Safe to repeat. */
  async sync(key: string): Promise<void> {
    const ing = this.lister.getByKey(key);
    if (!ing || !this.serves(ing) || ing.metadata?.deletionTimestamp) return;
    const current = ing.status?.loadBalancer?.ingress ?? [];
    if (JSON.stringify(normalize(current)) === JSON.stringify(this.desired)) return;
    const { namespace, name } = splitMetaNamespaceKey(key);
    try {
      await this.client
        .resource(ingressResource, namespace)
        .patch(name, 'merge', { status: { loadBalancer: { ingress: this.desired } } }, { subresource: 'status' });
      this.logger.info('updated ingress status', { ingress: key, addresses: this.desired.map((e) => e.ip ?? e.hostname) });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  private async run(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch (err) {
        this.logger.warn('ingress status update failed; will retry', { ingress: key, error: (err as Error).message });
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}

function normalize(entries: IngressLoadBalancerIngress[]): IngressLoadBalancerIngress[] {
  return entries.map((e) => (e.ip ? { ip: e.ip } : { hostname: e.hostname }));
}
