// Writes pod statuses to the API (upstream's status manager): through pods/status, only when
// the status differs from what the API already holds, with the pod's uid as a precondition
// so a recreated namesake is never overwritten. Static pods' statuses go to their mirror
// pods. Once a pod being deleted has stopped, the kubelet completes the deletion with grace
// 0, as upstream's status manager does; the API server waits for that.
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { ApiClient } from '../client/api-client.js';
import { isConflict, isNotFound } from '../client/errors.js';
import { pods } from '../client/resources.js';
import type { Logger } from '../logger.js';
import { stableJson } from './container-hash.js';

export interface StatusTarget {
  namespace: string;
  name: string;
  uid: string;
  /** What the API holds now (the informer's copy), to skip writes that change nothing. */
  current?: PodStatus;
}

/**
 * Statuses compare by their text with keys sorted and nulls left out (a null member and an
 * absent one mean the same, and the API may render either). Those from the informer are
 * compared on every pod event and are never changed in place, so their text is kept per object.
 */
const texts = new WeakMap<PodStatus, string>();

function comparable(s: PodStatus | undefined): string {
  if (!s) return '{}';
  let text = texts.get(s);
  if (text === undefined) texts.set(s, (text = stableJson(s, true)));
  return text;
}

export class StatusManager {
  /** The last status written (or found in the API) per pod uid. */
  private readonly written = new Map<string, string>();
  private readonly latest = new Map<string, PodStatus>();

  constructor(private readonly client: ApiClient, private readonly logger: Logger) {}

  /** The last status computed for a pod (by the kubelet's uid). */
  statusOf(uid: string): PodStatus | undefined {
    return this.latest.get(uid);
  }

  /** Writes `status` unless the API already has it; returns whether a write happened. */
  async setStatus(target: StatusTarget, status: PodStatus, localUid = target.uid): Promise<boolean> {
    this.latest.set(localUid, status);
    const want = comparable(status);
    if (this.written.get(localUid) === want) return false;
    if (target.current && comparable(target.current) === want) {
      this.written.set(localUid, want);
      return false;
    }
    // A merge patch replaces lists whole; nulls remove fields the new status lacks.
    const patchStatus: Record<string, unknown> = { podIP: null, podIPs: null, initContainerStatuses: null, message: null, reason: null, nominatedNodeName: null, ...status };
    // Recorded before the write: its watch event can arrive before the answer, and must be
    // known then as this write's echo.
    const before = this.written.get(localUid);
    this.written.set(localUid, want);
    try {
      await this.client.resource(pods, target.namespace).patch(target.name, 'merge', { metadata: { uid: target.uid }, status: patchStatus }, { subresource: 'status' });
      return true;
    } catch (err) {
      if (this.written.get(localUid) === want) {
        if (before === undefined) this.written.delete(localUid);
        else this.written.set(localUid, before);
      }
      if (isNotFound(err) || isConflict(err)) {
        this.logger.debug('pod status not written: the pod is gone or replaced', { pod: `${target.namespace}/${target.name}` });
        return false;
      }
      throw err;
    }
  }

  /** Completes the deletion of a pod that has stopped (grace 0, uid precondition). */
  async deletePod(pod: Pod): Promise<void> {
    const ns = pod.metadata?.namespace ?? 'default';
    try {
      await this.client.resource(pods, ns).delete(pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /**
   * Whether `status` (from the API) is what this manager last wrote for the pod: the echo of
   * its own write, which needs no sync. A status someone else wrote does (upstream reconciles
   * a pod whose API status disagrees with the kubelet's).
   */
  isOwnWrite(uid: string, status: PodStatus | undefined): boolean {
    const written = this.written.get(uid);
    return written !== undefined && written === comparable(status);
  }

  forget(uid: string): void {
    this.written.delete(uid);
    this.latest.delete(uid);
  }
}
