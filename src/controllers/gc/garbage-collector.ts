// The garbage collector (upstream's pkg/controller/garbagecollector): deletes objects whose
// owners are all gone (background cascading deletion and dangling references), deletes the
// dependents of an owner being deleted in the foreground before letting the owner go, and
// detaches the dependents of an owner deleted with the orphan policy.
//
// Two queues of object uids, as upstream: attemptToDelete decides, from the live object and
// its live owners, whether an object should go; attemptToOrphan strips an orphaning owner's
// references from its dependents and then removes the owner's `orphan` finalizer.
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { DeleteOptions } from '../../client/api-client.js';
import { isNotFound } from '../../client/errors.js';
import type { ObjectWithMeta } from '../../client/resources.js';
import { groupResource } from '../../client/resources.js';
import { sleep } from '../../client/clock.js';
import type { Timer } from '../../client/clock.js';
import type { Logger } from '../../logger.js';
import type { Controller, ControllerContext } from '../controller.js';
import { AbsentOwnerCache } from './absent-owner-cache.js';
import { ResourceMapper, discoverServerResources, supportsVerbs } from './discovery.js';
import { GraphBuilder } from './graph-builder.js';
import { KeyedWorkers } from './keyed-workers.js';
import type { ObjectCoordinates } from './metadata-patches.js';
import { removeFinalizer, removeOwnerReferences, unblockOwnerReferences } from './metadata-patches.js';
import type { GraphNode } from './owner-graph.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, describeNode, nodeFor } from './owner-graph.js';

export interface GarbageCollectorOptions {
  /** Workers per queue (upstream's --concurrent-gc-syncs, default 20). */
  workers?: number;
  /** How often discovery is read again to follow new and removed resources (upstream: 30 s). */
  resyncPeriodMs?: number;
  /** "resource.group" names never watched (upstream ignores events by default). */
  ignoredResources?: string[];
  /** How long to wait for the monitors' first lists before collecting anyway (upstream: 30 s). */
  syncTimeoutMs?: number;
}

/** As upstream's DefaultIgnoredResources. */
export const DEFAULT_IGNORED_RESOURCES = ['events', 'events.events.k8s.io'];

/** The verbs a resource needs for the collector to watch and delete it (upstream's GetDeletableResources). */
const DELETABLE_VERBS = ['delete', 'list', 'watch'];

type State = 'INITIALIZED' | 'RUNNING' | 'STOPPED';

/** An owner reference to a namespaced kind from a cluster-scoped object: never resolvable. */
class NamespacedOwnerOfClusterScopedObject extends Error {
  override readonly name = 'NamespacedOwnerOfClusterScopedObject';
}

interface Classified {
  solid: OwnerReference[];
  dangling: OwnerReference[];
  waitingForDependentsDeletion: OwnerReference[];
}

export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly builder: GraphBuilder;
  private readonly attemptToDelete: KeyedWorkers;
  private readonly attemptToOrphan: KeyedWorkers;
  private readonly absentOwners = new AbsentOwnerCache();
  private readonly logger: Logger;
  private readonly ignored: Set<string>;
  private mapper = new ResourceMapper();
  private state: State = 'INITIALIZED';
  private run: Promise<void> | undefined;
  private resyncTimer: Timer | undefined;
  private readonly stopping = new AbortController();
  private graphSynced = false;
  private readonly graphSyncWaiters: (() => void)[] = [];

  constructor(private readonly ctx: ControllerContext, private readonly opts: GarbageCollectorOptions = {}) {
    this.logger = ctx.logger.child({ controller: this.name });
    this.ignored = new Set(opts.ignoredResources ?? DEFAULT_IGNORED_RESOURCES);
    const workers = opts.workers ?? 20;
    this.attemptToDelete = new KeyedWorkers(ctx, 'garbagecollector-attempt-to-delete', (uid) => this.attemptToDeleteItem(uid), workers);
    this.attemptToOrphan = new KeyedWorkers(ctx, 'garbagecollector-attempt-to-orphan', (uid) => this.attemptToOrphanItem(uid), workers);
    this.builder = new GraphBuilder(ctx.informers, {
      attemptToDelete: (n) => this.attemptToDelete.enqueue(n.uid),
      attemptToOrphan: (n) => this.attemptToOrphan.enqueue(n.uid),
      observedDeletion: (uid) => this.absentOwners.add(uid),
    }, this.logger);
  }

  /** Discovers the resources, starts their monitors, and starts the workers once the graph has synced. */
  start(): void {
    if (this.state !== 'INITIALIZED') return;
    this.state = 'RUNNING';
    this.run = this.runUntilStopped().catch((err) => {
      this.logger.error('garbage collector failed', { error: err instanceof Error ? err.stack : String(err) });
    });
  }

  async stop(): Promise<void> {
    if (this.state === 'STOPPED') return;
    const wasRunning = this.state === 'RUNNING';
    this.state = 'STOPPED';
    this.stopping.abort();
    this.resyncTimer?.cancel();
    this.builder.stop();
    for (const w of this.graphSyncWaiters.splice(0)) w();
    await Promise.all([this.attemptToDelete.stop(), this.attemptToOrphan.stop()]);
    if (wasRunning) await this.run;
  }

  /** Resolves once the graph holds every watched resource's first list (or on stop). */
  waitForGraphSync(): Promise<void> {
    if (this.graphSynced || this.state === 'STOPPED') return Promise.resolve();
    return new Promise((resolve) => this.graphSyncWaiters.push(resolve));
  }

  private async runUntilStopped(): Promise<void> {
    // Discovery must work once before anything can be watched; retry with a growing pause.
    for (let delay = 500; this.state === 'RUNNING'; delay = Math.min(delay * 2, 30_000)) {
      if (await this.resyncMonitors()) break;
      await sleep(this.ctx.clock, delay, this.stopping.signal);
    }
    if (this.state !== 'RUNNING') return;
    const timeout = this.opts.syncTimeoutMs ?? 30_000;
    const giveUp = new AbortController();
    const onStop = () => giveUp.abort();
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    const synced = await Promise.race([
      this.builder.waitForMonitors(),
      sleep(this.ctx.clock, timeout, giveUp.signal).then(() => false),
    ]);
    giveUp.abort(); // cancels the timeout's timer
    this.stopping.signal.removeEventListener('abort', onStop);
    if (this.state !== 'RUNNING') return;
    if (!synced) this.logger.warn('timed out waiting for the dependency graph to sync; collecting anyway', { timeoutMs: timeout });
    this.builder.markSynced();
    this.graphSynced = true;
    for (const w of this.graphSyncWaiters.splice(0)) w();
    this.attemptToDelete.start();
    this.attemptToOrphan.start();
    this.logger.info('garbage collector synced', { resources: this.builder.resources.length, objects: this.builder.graph.size });
    this.scheduleResync();
  }

  /** Reads discovery and watches what it lists; false if discovery failed altogether. */
  private async resyncMonitors(): Promise<boolean> {
    let found;
    try {
      found = await discoverServerResources(this.ctx.client);
    } catch (err) {
      this.logger.warn('discovery failed', { error: err instanceof Error ? err.message : String(err) });
      return false;
    }
    for (const [gv, err] of found.failed) this.logger.warn('discovery failed for a group version', { groupVersion: gv, error: err.message });
    this.mapper = new ResourceMapper(found.all);
    const deletable = found.preferred.filter((r) => supportsVerbs(r, DELETABLE_VERBS) && !this.ignored.has(groupResource(r)));
    // Keep watching what a failed group served before rather than dropping its graph.
    const failedGroups = new Set([...found.failed.keys()].map((gv) => (gv.includes('/') ? gv.split('/')[0] : '')));
    const kept = this.builder.resources.filter((r) => failedGroups.has(r.group) && !deletable.some((d) => d.group === r.group && d.resource === r.resource));
    if (this.state === 'RUNNING') this.builder.syncMonitors([...deletable, ...kept]);
    return true;
  }

  private scheduleResync(): void {
    if (this.state !== 'RUNNING') return;
    this.resyncTimer = this.ctx.clock.setTimeout(() => {
      void this.resyncMonitors().finally(() => this.scheduleResync());
    }, this.opts.resyncPeriodMs ?? 30_000);
  }

  // ---- attemptToDelete ----

  /**
   * As upstream's attemptToDeleteItem: look at the live object; if it is waiting for its
   * dependents, see whether they are gone; otherwise classify its owners as solid, dangling
   * or waiting for their dependents' deletion, and delete it when none is solid.
   */
  private async attemptToDeleteItem(uid: string): Promise<void> {
    const item = this.builder.graph.get(uid);
    if (!item) return; // deleted meanwhile
    // "Being deleted" is a one-way trip; the deletion event will bring the dependents here.
    if (item.beingDeleted && !item.deletingDependents) return;
    const latest = await this.getLive(item);
    if (!latest || latest.metadata?.uid !== item.uid) return; // gone: the informer will tell the graph
    const live = nodeFor(item.resource, latest);
    if (live.deletingDependents) return this.processDeletingDependentsItem(live);
    if (live.beingDeleted) return;
    const owners = live.owners;
    if (owners.length === 0) return;

    let refs: Classified;
    try {
      refs = await this.classifyReferences(live, owners);
    } catch (err) {
      if (err instanceof NamespacedOwnerOfClusterScopedObject) {
        this.logger.info('a cluster-scoped object refers to a namespaced owner; ignoring it', { item: describeNode(live) });
        return;
      }
      throw err;
    }
    const target = coordinates(live);
    if (refs.solid.length) {
      const stale = [...refs.dangling, ...refs.waitingForDependentsDeletion];
      if (stale.length === 0) return;
      // Otherwise an owner waiting for its dependents would wait forever for this one.
      this.logger.debug('removing dangling and waiting owner references', { item: describeNode(live), owners: stale.map((o) => o.uid) });
      await removeOwnerReferences(this.ctx.client, target, stale.map((o) => o.uid));
      return;
    }
    if (refs.waitingForDependentsDeletion.length && this.builder.graph.dependentsOf(live.uid).length) {
      // Its own dependents go first: delete it in the foreground too. If one of them is itself
      // waiting in the foreground, unblock our references so the two cannot wait on each other.
      if (this.builder.graph.dependentsOf(live.uid).some((d) => d.deletingDependents)) {
        await unblockOwnerReferences(this.ctx.client, target);
      }
      return this.deleteObject(live, 'Foreground');
    }
    // No owner left: honour a propagation finalizer already on it, else background.
    const policy = live.orphaningDependents || (latest.metadata?.finalizers ?? []).includes(ORPHAN_FINALIZER)
      ? 'Orphan'
      : (latest.metadata?.finalizers ?? []).includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    return this.deleteObject(live, policy);
  }

  /** An owner deleting its dependents in the foreground: done when no blocking dependent is left. */
  private async processDeletingDependentsItem(item: GraphNode): Promise<void> {
    const blocking = this.builder.graph.blockingDependentsOf(item.uid);
    if (blocking.length === 0) {
      this.logger.debug('removing the foregroundDeletion finalizer', { item: describeNode(item) });
      await removeFinalizer(this.ctx.client, coordinates(item), FOREGROUND_FINALIZER);
      return;
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.attemptToDelete.enqueue(dep.uid);
  }

  private async classifyReferences(item: GraphNode, owners: OwnerReference[]): Promise<Classified> {
    const out: Classified = { solid: [], dangling: [], waitingForDependentsDeletion: [] };
    for (const ref of owners) {
      const owner = await this.lookUpOwner(item, ref);
      if (!owner) out.dangling.push(ref);
      else if (owner.metadata?.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)) out.waitingForDependentsDeletion.push(ref);
      else out.solid.push(ref);
    }
    return out;
  }

  /** The live owner a reference names, or undefined when it does not exist (upstream's isDangling). */
  private async lookUpOwner(item: GraphNode, ref: OwnerReference): Promise<ObjectWithMeta | undefined> {
    if (this.absentOwners.has(ref.uid)) return undefined;
    const resource = this.mapper.forKind(ref.apiVersion, ref.kind);
    // As upstream: an unknown kind may be a custom resource not discovered yet; retry later.
    if (!resource) throw new Error(`unable to map owner reference ${ref.apiVersion}/${ref.kind} of ${describeNode(item)} to a resource`);
    if (!item.namespace && resource.namespaced) throw new NamespacedOwnerOfClusterScopedObject(describeNode(item));
    const api = this.ctx.client.resource(resource, resource.namespaced ? item.namespace : undefined);
    let owner: ObjectWithMeta;
    try {
      owner = await api.get(ref.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.absentOwners.add(ref.uid);
      return undefined;
    }
    if (owner.metadata?.uid !== ref.uid) {
      // Same name, another object: the one referenced is gone.
      this.absentOwners.add(ref.uid);
      return undefined;
    }
    return owner;
  }

  private async deleteObject(item: GraphNode, propagationPolicy: NonNullable<DeleteOptions['propagationPolicy']>): Promise<void> {
    this.logger.info('deleting object', { item: describeNode(item), propagationPolicy });
    try {
      await this.ctx.client.resource(item.resource, item.namespace).delete(item.name, { propagationPolicy, preconditions: { uid: item.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---- attemptToOrphan ----

  /** As upstream's attemptToOrphanWorker: detach every dependent, then drop the `orphan` finalizer. */
  private async attemptToOrphanItem(uid: string): Promise<void> {
    const owner = this.builder.graph.get(uid);
    if (!owner || !owner.orphaningDependents) return;
    const dependents = this.builder.graph.dependentsOf(uid);
    const failures: string[] = [];
    await Promise.all(dependents.map(async (dep) => {
      try {
        await removeOwnerReferences(this.ctx.client, coordinates(dep), [uid]);
      } catch (err) {
        failures.push(`${describeNode(dep)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }));
    if (failures.length) throw new Error(`failed to orphan dependents of ${describeNode(owner)}: ${failures.join('; ')}`);
    await removeFinalizer(this.ctx.client, coordinates(owner), ORPHAN_FINALIZER);
  }

  private async getLive(item: GraphNode): Promise<ObjectWithMeta | undefined> {
    try {
      return await this.ctx.client.resource(item.resource, item.namespace).get(item.name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

function coordinates(n: GraphNode): ObjectCoordinates {
  return { resource: n.resource, namespace: n.namespace, name: n.name, uid: n.uid };
}
