// Serves custom resources for every CustomResourceDefinition: registers its kinds, keeps its
// status (NamesAccepted, Established, acceptedNames, storedVersions), and on deletion removes
// its objects before letting the definition go — as upstream's apiextensions controllers.
import type { KubeObject } from '../../api/kinds.js';
import { NotFoundError } from '../../api/errors.js';
import type { Logger } from '../../logger.js';
import type { ResourceRegistry } from '../resources.js';
import type { ResourceStore } from '../resource-store.js';
import { nowTimestamp } from '../strategy.js';
import { kindsForCrd, type CrdSpec } from './crd-kinds.js';
import { customResourcePrinter } from './crd-printer.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export class CrdController {
  private readonly crds: ResourceStore;
  private readonly pending = new Map<string, Promise<void>>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly resources: ResourceRegistry, private readonly logger: Logger) {
    const def = resources.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    if (!def) throw new Error('customresourcedefinitions are not registered');
    this.crds = resources.storeFor(def);
  }

  /** Serves every existing CRD before returning, then follows changes. */
  async start(): Promise<void> {
    const { items, rv } = await this.crds.list('');
    await Promise.all(items.map((o) => this.sync(o.obj.metadata!.name)));
    this.unsubscribe = this.crds.cache.watchFrom(rv, (ev) => this.enqueue(ev.object.obj.metadata!.name));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Resolves when every queued sync has run (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all(this.pending.values());
  }

  private enqueue(name: string): void {
    // One sync per CRD at a time; a change during a sync runs another after it.
    const prev = this.pending.get(name) ?? Promise.resolve();
    const next = prev.then(() => this.sync(name)).catch((err) => {
      this.logger.error('crd sync failed', { crd: name, error: err instanceof Error ? err.message : String(err) });
    });
    this.pending.set(name, next);
    void next.then(() => {
      if (this.pending.get(name) === next) this.pending.delete(name);
    });
  }

  private async sync(name: string): Promise<void> {
    let crd: KubeObject;
    try {
      crd = (await this.crds.getLatest('', name)).obj;
    } catch (e) {
      if (e instanceof NotFoundError) return this.resources.setOwnedKinds(`crd:${name}`, []);
      throw e;
    }
    if (crd.metadata?.deletionTimestamp) return this.finalize(crd);
    const conflict = this.nameConflict(crd);
    const defs = conflict ? [] : kindsForCrd(crd);
    for (const d of defs) d.tablePrinter = customResourcePrinter(d);
    await this.resources.setOwnedKinds(`crd:${name}`, defs);
    await this.writeStatus(crd, conflict);
  }

  /** Another CRD (or a built-in kind) already serves this group/resource. */
  private nameConflict(crd: KubeObject): string | undefined {
    const spec = crd.spec as CrdSpec;
    const name = crd.metadata!.name;
    for (const d of this.resources.kinds) {
      if (d.group !== spec.group) continue;
      const owner = (d as { crdName?: string }).crdName;
      if (owner === name) continue;
      if (d.resource === spec.names.plural) return `"${spec.names.plural}" is already in use`;
      if (d.kind === spec.names.kind) return `"${spec.names.kind}" is already in use`;
    }
    return undefined;
  }

  private async writeStatus(crd: KubeObject, conflict: string | undefined): Promise<void> {
    const spec = crd.spec as CrdSpec;
    const storage = spec.versions.find((v) => v.storage)?.name;
    await this.crds.update('', crd.metadata!.name, (cur) => {
      const status = structuredClone(cur.status ?? {});
      const now = nowTimestamp();
      const setCondition = (type: string, ok: boolean, reason: string, message: string) => {
        const conditions: any[] = (status.conditions ??= []);
        const existing = conditions.find((c) => c.type === type);
        const value = ok ? 'True' : 'False';
        if (existing && existing.status === value && existing.reason === reason) return;
        const next = { type, status: value, lastTransitionTime: existing?.status === value ? existing.lastTransitionTime : now, reason, message };
        if (existing) Object.assign(existing, next);
        else conditions.push(next);
      };
      if (conflict) {
        setCondition('NamesAccepted', false, 'NameConflict', conflict);
        setCondition('Established', false, 'NotAccepted', 'not all names are accepted');
      } else {
        setCondition('NamesAccepted', true, 'NoConflicts', 'no conflicts found');
        setCondition('Established', true, 'InitialNamesAccepted', 'the initial names have been accepted');
        status.acceptedNames = {
          plural: spec.names.plural,
          singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
          kind: spec.names.kind,
          listKind: spec.names.listKind ?? `${spec.names.kind}List`,
          ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
          ...(spec.names.categories ? { categories: spec.names.categories } : {}),
        };
      }
      const stored: string[] = status.storedVersions ?? [];
      if (storage && !stored.includes(storage)) status.storedVersions = [...stored, storage];
      return { ...cur, status };
    });
  }

  /** Deletes every custom resource of the CRD, then drops the cleanup finalizer. */
  private async finalize(crd: KubeObject): Promise<void> {
    const name = crd.metadata!.name;
    const finalizers: string[] = crd.metadata?.finalizers ?? [];
    if (finalizers.includes(CRD_CLEANUP_FINALIZER)) {
      const defs = this.resources.kinds.filter((d) => (d as { crdName?: string }).crdName === name);
      if (defs.length) {
        const store = this.resources.storeFor(defs[0]);
        const { items } = await store.list('');
        for (const o of items) {
          await store.delete(o.obj.metadata?.namespace ?? '', o.obj.metadata!.name).catch((e) => {
            if (!(e instanceof NotFoundError)) throw e;
          });
        }
      }
      await this.resources.setOwnedKinds(`crd:${name}`, []);
      const { object } = await this.crds.update('', name, (cur) => ({
        ...cur,
        metadata: { ...cur.metadata, finalizers: (cur.metadata?.finalizers ?? []).filter((f: string) => f !== CRD_CLEANUP_FINALIZER) },
      }));
      if ((object.obj.metadata?.finalizers ?? []).length === 0) {
        await this.crds.delete('', name, object.rv).catch((e) => {
          if (!(e instanceof NotFoundError)) throw e;
        });
      }
    }
  }
}
