// One reconciliation of one Deployment, after upstream's pkg/controller/deployment sync.go and
// progress.go: finding or creating the new ReplicaSet, scaling ReplicaSets with events,
// proportional scaling, history cleanup and status. The strategies (rolling.ts, recreate.ts)
// build on it. It holds the Deployment as last written, so later writes carry its version.
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { isAlreadyExists, isNotFound } from '../../client/errors.js';
import { deployments, replicaSets } from '../../client/resources.js';
import type { Logger } from '../../logger.js';
import { controllerRefOf, newControllerRef } from '../replicaset/controller-ref.js';
import {
  calculateStatus, deploymentComplete, deploymentProgressing, deploymentTimedOut, FAILED_RS_CREATE, FOUND_NEW_RS, getCondition,
  hasProgressDeadline, NEW_RS_AVAILABLE, NEW_RS_CREATED, newCondition, PAUSED, removeCondition, RESUMED, RS_UPDATED, setCondition, statusEqual, TIMED_OUT,
} from './deployment-status.js';
import { computePodTemplateHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';
import {
  bySizeNewer, bySizeOlder, byRevision, desiredReplicasAnnotation, equalIgnoreHash, filterActive, findActiveOrLatest, findNewReplicaSet,
  findOldReplicaSets, isSaturated, maxReplicasAnnotation, maxRevision, REVISION_ANNOTATION, replicasAnnotationsNeedUpdate,
  setNewReplicaSetAnnotations, setReplicasAnnotations, specReplicaCount,
} from './replica-sets.js';
import { desiredReplicas, isRollingUpdate, maxSurge, newRSNewReplicas } from './rolling-math.js';

export interface SyncDeps {
  client: ApiClient;
  recorder: EventRecorder;
  logger: Logger;
  now(): number;
  /** Looks at the Deployment again after `ms` (for progress deadlines). */
  requeueAfter(ms: number): void;
}

export class DeploymentSync {
  /** True when the revision annotation changed and must be written with the next status. */
  private revisionDirty = false;

  constructor(private readonly deps: SyncDeps, public d: Deployment) {}

  private get name(): string {
    return this.d.metadata!.name!;
  }

  private get rsApi() {
    return this.deps.client.resource(replicaSets, this.d.metadata!.namespace);
  }

  private get dApi() {
    return this.deps.client.resource(deployments, this.d.metadata!.namespace);
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.recorder.event(this.d, type, reason, message);
  }

  /**
   * Writes the Deployment's status (and its revision annotation first, when it changed: our
   * status subresource keeps metadata, where upstream's lets a status write change annotations).
   */
  async writeStatus(): Promise<void> {
    if (this.revisionDirty) {
      const rev = this.d.metadata?.annotations?.[REVISION_ANNOTATION];
      const patched = await this.dApi.patch(this.name, 'merge', { metadata: { resourceVersion: this.d.metadata?.resourceVersion, annotations: { [REVISION_ANNOTATION]: rev } } });
      this.revisionDirty = false;
      this.d = { ...patched, status: this.d.status };
    }
    this.d = await this.dApi.updateStatus(this.d);
  }

  /** As upstream's SetDeploymentRevision. */
  private setDeploymentRevision(revision: string | undefined): boolean {
    if (revision === undefined) return false;
    const a = ((this.d.metadata ??= {}).annotations ??= {});
    if (a[REVISION_ANNOTATION] === revision) return false;
    a[REVISION_ANNOTATION] = revision;
    this.revisionDirty = true;
    return true;
  }

  private status(): DeploymentStatus {
    return (this.d.status ??= {});
  }

  /** The new ReplicaSet (created when `create` and missing) and all old ones. */
  async getAllReplicaSetsAndSyncRevision(rsList: ReplicaSet[], create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(this.d, rsList);
    const newRS = await this.getNewReplicaSet(rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(rsList: ReplicaSet[], oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const d = this.d;
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      // An existing ReplicaSet that is (again) the new one gets the next revision: a rollback
      // to an old template reuses that template's ReplicaSet and bumps its revision.
      const copy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true, maxSurge(d));
      const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      let rs = existing;
      if (annotationsUpdated || minReadyChanged) {
        copy.spec!.minReadySeconds = d.spec?.minReadySeconds;
        rs = await this.rsApi.update(copy);
      }
      let needsUpdate = this.setDeploymentRevision(rs.metadata?.annotations?.[REVISION_ANNOTATION]);
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        setCondition(this.status(), newCondition('Progressing', 'True', FOUND_NEW_RS, `Found new replica set "${rs.metadata?.name}"`, this.deps.now()));
        needsUpdate = true;
      }
      if (needsUpdate) await this.writeStatus();
      return rs;
    }
    if (!create) return undefined;

    const hash = computePodTemplateHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec!.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${this.name}-${hash}`,
        namespace: d.metadata!.namespace,
        ownerReferences: [newControllerRef({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: d.metadata })],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    newRS.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false, maxSurge(d));

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.rsApi.create(newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        const rs = await this.rsApi.get(newRS.metadata!.name!);
        if (controllerRefOf(rs)?.uid === d.metadata?.uid && equalIgnoreHash(d.spec?.template, rs.spec?.template)) {
          created = rs;
          alreadyExists = true;
        } else {
          // A hash collision: another template hashed to the same name. Count it, so the next
          // hash differs (as upstream's collisionCount).
          this.status().collisionCount = (d.status?.collisionCount ?? 0) + 1;
          await this.writeStatus();
          throw err;
        }
      } else {
        const msg = `Failed to create new replica set "${newRS.metadata!.name}": ${err instanceof Error ? err.message : String(err)}`;
        if (hasProgressDeadline(d)) {
          setCondition(this.status(), newCondition('Progressing', 'False', FAILED_RS_CREATE, msg, this.deps.now()));
          await this.writeStatus().catch(() => undefined);
        }
        this.event('Warning', FAILED_RS_CREATE, msg);
        throw err;
      }
    }
    if (!alreadyExists && replicas > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} to ${replicas}`);
    let needsUpdate = this.setDeploymentRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(d)) {
      setCondition(this.status(), newCondition('Progressing', 'True', NEW_RS_CREATED, `Created new replica set "${created.metadata?.name}"`, this.deps.now()));
      needsUpdate = true;
    }
    if (needsUpdate) await this.writeStatus();
    return created;
  }

  /** Scales `rs` to `newScale`, recording a ScalingReplicaSet event when its size changes. */
  async scaleReplicaSetAndRecordEvent(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if ((rs.spec?.replicas ?? 0) === newScale) return { scaled: false, rs };
    const op = (rs.spec?.replicas ?? 0) < newScale ? 'up' : 'down';
    return this.scaleReplicaSet(rs, newScale, op);
  }

  /** As upstream's scaleReplicaSet: writes the size and the replicas annotations if either changed. */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number, op: string): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const replicas = desiredReplicas(this.d);
    const max = replicas + maxSurge(this.d);
    const sizeChanged = (rs.spec?.replicas ?? 0) !== newScale;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, replicas, max)) return { scaled: false, rs };
    const oldScale = rs.spec?.replicas ?? 0;
    const copy = structuredClone(rs);
    copy.spec!.replicas = newScale;
    setReplicasAnnotations(copy, replicas, max);
    const updated = await this.rsApi.update(copy);
    if (sizeChanged) this.event('Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata?.name} to ${newScale} from ${oldScale}`);
    return { scaled: sizeChanged, rs: updated };
  }

  /** As upstream's isScalingEvent: an active ReplicaSet's desired-replicas differs from the Deployment's replicas. */
  async isScalingEvent(rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, false);
    for (const rs of filterActive([...oldRSs, newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired !== undefined && desired !== desiredReplicas(this.d)) return true;
    }
    return false;
  }

  /** As upstream's syncStatusOnly (a Deployment being deleted): report, change nothing. */
  async syncStatusOnly(rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, false);
    await this.syncDeploymentStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  /** As upstream's sync: scale (proportionally when rolling), clean up when paused, report status. */
  async syncScaleAndStatus(rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(rsList, false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec?.paused) await this.cleanupDeployment(oldRSs);
    await this.syncDeploymentStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  /** As upstream's scale: proportional scaling across ReplicaSets when the replicas change mid-rollout. */
  private async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const replicas = desiredReplicas(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if ((activeOrLatest.spec?.replicas ?? 0) === replicas) return;
      await this.scaleReplicaSetAndRecordEvent(activeOrLatest, replicas);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActive(oldRSs)) await this.scaleReplicaSetAndRecordEvent(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allRSs = filterActive([...oldRSs, newRS]);
    const allowed = replicas > 0 ? replicas + maxSurge(d) : replicas;
    const toAdd = allowed - specReplicaCount(allRSs);
    let op = '';
    if (toAdd > 0) {
      allRSs.sort(bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      allRSs.sort(bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const sizes = new Map<ReplicaSet, number>();
    for (const rs of allRSs) {
      if (toAdd === 0) {
        sizes.set(rs, rs.spec?.replicas ?? 0);
        continue;
      }
      const proportion = this.proportion(rs, toAdd, added);
      sizes.set(rs, (rs.spec?.replicas ?? 0) + proportion);
      added += proportion;
    }
    // What rounding left over goes to the largest ReplicaSet.
    if (toAdd !== 0 && allRSs.length) {
      const first = allRSs[0]!;
      sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
    }
    for (const rs of allRSs) await this.scaleReplicaSet(rs, sizes.get(rs)!, op);
  }

  /** As upstream's GetProportion and getReplicaSetFraction. */
  private proportion(rs: ReplicaSet, toAdd: number, added: number): number {
    const size = rs.spec?.replicas ?? 0;
    if (size === 0 || toAdd === 0 || toAdd === added) return 0;
    const d = this.d;
    let fraction: number;
    if (desiredReplicas(d) === 0) fraction = -size;
    else {
      const deploymentReplicas = desiredReplicas(d) + maxSurge(d);
      const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
      // Go's math.Round: halves away from zero.
      const raw = annotated ? (size * deploymentReplicas) / annotated : 0;
      fraction = Math.sign(raw) * Math.round(Math.abs(raw)) - size;
    }
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  /** As upstream's cleanupDeployment: delete the oldest idle ReplicaSets beyond revisionHistoryLimit. */
  async cleanupDeployment(oldRSs: ReplicaSet[]): Promise<void> {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null || limit === 2147483647) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort(byRevision);
    const diff = cleanable.length - limit;
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i]!;
      // Never delete a ReplicaSet that still has (or wants) pods or whose status is behind.
      if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec?.replicas ?? 0) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.rsApi.delete(rs.metadata!.name!);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** As upstream's syncDeploymentStatus. */
  async syncDeploymentStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    const next = calculateStatus(allRSs, newRS, this.d, this.deps.now());
    if (statusEqual(this.d.status, next) && !this.revisionDirty) return;
    this.d.status = next;
    await this.writeStatus();
  }

  /** As upstream's syncRolloutStatus: status plus the Progressing condition and the deadline. */
  async syncRolloutStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    const d = this.d;
    const now = this.deps.now();
    const next = calculateStatus(allRSs, newRS, d, now);
    if (!hasProgressDeadline(d)) removeCondition(next, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const complete = next.replicas === next.updatedReplicas && current?.reason === NEW_RS_AVAILABLE;
    if (hasProgressDeadline(d) && !complete) {
      const what = newRS ? `ReplicaSet "${newRS.metadata?.name}"` : `Deployment "${this.name}"`;
      if (deploymentComplete(d, next)) {
        setCondition(next, newCondition('Progressing', 'True', NEW_RS_AVAILABLE, `${what} has successfully progressed.`, now));
      } else if (deploymentProgressing(d, next)) {
        // Progress moves lastUpdateTime (the deadline counts from it) but keeps lastTransitionTime.
        const c = newCondition('Progressing', 'True', RS_UPDATED, `${what} is progressing.`, now);
        if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(next, 'Progressing');
        setCondition(next, c);
      } else if (deploymentTimedOut(d, next, now)) {
        setCondition(next, newCondition('Progressing', 'False', TIMED_OUT, `${what} has timed out progressing.`, now));
      }
    }
    const failure = [...allRSs, newRS].map((rs) => rs?.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True')).find(Boolean);
    if (failure) setCondition(next, { type: 'ReplicaFailure', status: failure.status, reason: failure.reason, message: failure.message, lastUpdateTime: failure.lastTransitionTime, lastTransitionTime: failure.lastTransitionTime });
    else removeCondition(next, 'ReplicaFailure');
    if (statusEqual(d.status, next) && !this.revisionDirty) {
      this.requeueStuckDeployment(next);
      return;
    }
    this.d.status = next;
    await this.writeStatus();
  }

  /** As upstream's requeueStuckDeployment: look again when the progress deadline would pass. */
  private requeueStuckDeployment(status: DeploymentStatus): void {
    const c = getCondition(status, 'Progressing');
    if (!hasProgressDeadline(this.d) || !c || c.reason === NEW_RS_AVAILABLE || c.reason === TIMED_OUT) return;
    if (deploymentComplete(this.d, status)) return;
    const from = Date.parse(c.lastUpdateTime ?? '');
    if (Number.isNaN(from)) return;
    const after = from + this.d.spec!.progressDeadlineSeconds! * 1000 - this.deps.now();
    this.deps.requeueAfter(Math.max(after, 1000));
  }

  /** As upstream's checkPausedConditions: Progressing Unknown DeploymentPaused / DeploymentResumed. */
  async checkPausedConditions(): Promise<void> {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const c = getCondition(d.status, 'Progressing');
    if (c?.reason === TIMED_OUT) return;
    const pausedCondition = c?.reason === PAUSED;
    if (d.spec?.paused && !pausedCondition) {
      setCondition(this.status(), newCondition('Progressing', 'Unknown', PAUSED, 'Deployment is paused', this.deps.now()));
    } else if (!d.spec?.paused && pausedCondition) {
      setCondition(this.status(), newCondition('Progressing', 'Unknown', RESUMED, 'Deployment is resumed', this.deps.now()));
    } else return;
    await this.writeStatus();
  }
}
