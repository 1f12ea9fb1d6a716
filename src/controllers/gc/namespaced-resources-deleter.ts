// Empties a Terminating namespace, after upstream's NamespacedResourcesDeleter
// (pkg/controller/namespace/deletion): every namespaced resource the server serves is deleted
// as a collection (or item by item where deletecollection is not served), what remains is
// counted into the namespace's conditions, and once nothing is left the "kubernetes" entry is
// taken out of spec.finalizers through the finalize subresource — the API server then deletes
// the namespace.
import type { Namespace, Pod } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../../client/api-client.js';
import type { Clock } from '../../client/clock.js';
import { isConflict, isNotFound } from '../../client/errors.js';
import { namespaces } from '../../client/resources.js';
import type { Logger } from '../../logger.js';
import type { DiscoveredResource, ServerResources } from './discovery.js';
import { discoverServerResources, supportsVerbs } from './discovery.js';
import type { DeletionFindings } from './namespace-conditions.js';
import { failingConditions, updateConditions } from './namespace-conditions.js';

/** The spec.finalizers entry the namespace controller owns. */
export const KUBERNETES_FINALIZER = 'kubernetes';

/** As upstream: how long to wait for objects whose finalizers hold them. */
const FINALIZER_ESTIMATE_SECONDS = 15;

/** Content is still going away; look again in about `estimateSeconds`. */
export class ResourcesRemainingError extends Error {
  override readonly name = 'ResourcesRemainingError';
  constructor(readonly estimateSeconds: number) {
    super(`some content remains in the namespace, estimate ${estimateSeconds} seconds before it is removed`);
  }
}

interface ResourceOutcome {
  estimate: number;
  remaining: number;
  finalizers: Map<string, number>;
  error?: string;
}

export class NamespacedResourcesDeleter {
  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly discover: (client: ApiClient) => Promise<ServerResources> = discoverServerResources,
  ) {}

  /**
   * Deletes the content of namespace `name` if it is being deleted. Throws
   * ResourcesRemainingError while content is going away, another error when something failed.
   */
  async delete(name: string): Promise<void> {
    const api = this.client.resource(namespaces);
    let ns: Namespace;
    try {
      ns = await api.get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    ns = await this.ensureTerminating(ns);
    if (!(ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return;

    const estimate = await this.deleteAllContent(ns);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);
    await this.finalize(ns);
  }

  private async ensureTerminating(ns: Namespace): Promise<Namespace> {
    if (ns.status?.phase === 'Terminating') return ns;
    const next = structuredClone(ns);
    next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    return this.client.resource(namespaces).updateStatus(next);
  }

  /** Removes our entry from spec.finalizers (PUT …/finalize), retrying on conflicts. */
  private async finalize(ns: Namespace): Promise<void> {
    const api = this.client.resource(namespaces);
    let current = ns;
    for (let attempt = 0; ; attempt++) {
      const finalizers = (current.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER);
      const body: Namespace = { ...current, spec: { ...(current.spec ?? {}), finalizers } };
      try {
        await api.updateSubresource(current.metadata!.name!, 'finalize', body);
        this.logger.info('namespace finalized', { namespace: current.metadata?.name });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 5) throw err;
      }
      const latest = await api.get(ns.metadata!.name!);
      if (latest.metadata?.uid !== ns.metadata?.uid) throw new Error('namespace uid has changed across retries');
      current = latest;
    }
  }

  /**
   * One pass over every namespaced resource. Returns how many seconds to wait for content
   * still going away (0: empty); throws when something could not be discovered or deleted.
   */
  private async deleteAllContent(ns: Namespace): Promise<number> {
    const name = ns.metadata!.name!;
    const deletedAt = Date.parse(ns.metadata!.deletionTimestamp!);
    const findings: DeletionFindings = { discoveryFailures: [], contentErrors: [], remaining: new Map(), finalizers: new Map() };
    let resources: DiscoveredResource[] = [];
    try {
      const found = await this.discover(this.client);
      resources = found.preferred.filter((r) => r.namespaced && supportsVerbs(r, ['delete']));
      for (const [gv, err] of found.failed) findings.discoveryFailures.push(`${gv}: ${err.message}`);
    } catch (err) {
      findings.discoveryFailures.push(err instanceof Error ? err.message : String(err));
    }

    let estimate = 0;
    const outcomes = await Promise.all(resources.map(async (r) => [r, await this.deleteAllOf(r, name, deletedAt)] as const));
    for (const [r, o] of outcomes) {
      estimate = Math.max(estimate, o.estimate);
      if (o.error) findings.contentErrors.push(o.error);
      if (o.remaining > 0) {
        findings.remaining.set(`${r.resource}.${r.group}`, o.remaining);
        for (const [f, n] of o.finalizers) findings.finalizers.set(f, (findings.finalizers.get(f) ?? 0) + n);
      }
    }

    // As upstream, the conditions are written on every pass: they also say when things got better.
    const status = structuredClone(ns.status ?? {});
    if (updateConditions(status, failingConditions(findings), new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'))) {
      try {
        await this.client.resource(namespaces).updateStatus({ ...ns, status });
      } catch (err) {
        this.logger.warn('could not update the namespace conditions', { namespace: name, error: err instanceof Error ? err.message : String(err) });
      }
    }
    const errors = [...findings.discoveryFailures, ...findings.contentErrors];
    if (errors.length) throw new Error(`namespace ${name}: ${errors.join('; ')}`);
    return estimate;
  }

  /** Deletes every object of one resource in the namespace and counts what is left. */
  private async deleteAllOf(r: DiscoveredResource, namespace: string, deletedAt: number): Promise<ResourceOutcome> {
    const api = this.client.resource(r, namespace);
    const gr = r.group ? `${r.resource}.${r.group}` : r.resource;
    const out: ResourceOutcome = { estimate: 0, remaining: 0, finalizers: new Map() };
    try {
      // As upstream, background propagation: the garbage collector takes the dependents.
      if (supportsVerbs(r, ['deletecollection'])) {
        await api.deleteCollection({ propagationPolicy: 'Background' });
      } else if (supportsVerbs(r, ['list'])) {
        for (const item of (await api.list()).items) {
          await api.delete(item.metadata!.name!, { propagationPolicy: 'Background' }).catch((err) => {
            if (!isNotFound(err)) throw err;
          });
        }
      }
      if (!supportsVerbs(r, ['list'])) return out;
      const left = (await api.list()).items;
      if (left.length === 0) return out;
      out.remaining = left.length;
      for (const item of left) for (const f of item.metadata?.finalizers ?? []) out.finalizers.set(f, (out.finalizers.get(f) ?? 0) + 1);
      if (r.group === '' && r.resource === 'pods') out.estimate = this.podTerminationEstimate(left as Pod[], deletedAt);
      if (out.estimate === 0 && out.finalizers.size > 0) out.estimate = FINALIZER_ESTIMATE_SECONDS;
      if (out.estimate === 0) out.error = `unexpected items still remain in namespace: ${namespace} for gvr: ${r.group ? `${r.group}/` : ''}${r.version}, Resource=${r.resource}`;
    } catch (err) {
      out.error = `${gr}: ${err instanceof Error ? err.message : String(err)}`;
    }
    return out;
  }

  /**
   * Seconds the longest graceful pod termination may still take (upstream's
   * estimateGracefulTermination). Unlike upstream, only pods left after the deletion count:
   * pods that went at once need no waiting for.
   */
  private podTerminationEstimate(left: Pod[], deletedAt: number): number {
    let estimate = 0;
    for (const p of left) {
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      const grace = p.metadata?.deletionGracePeriodSeconds ?? p.spec?.terminationGracePeriodSeconds ?? 30;
      estimate = Math.max(estimate, grace);
    }
    const elapsedSeconds = (this.clock.now() - deletedAt) / 1000;
    return elapsedSeconds >= estimate ? 0 : estimate;
  }
}
