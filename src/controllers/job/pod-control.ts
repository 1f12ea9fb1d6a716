// The job controller's writes to pods, after upstream's controller.RealPodControl: create from
// the job's template (with the owner reference and the tracking finalizer), delete, and patch,
// recording SuccessfulCreate / FailedCreate / SuccessfulDelete / FailedDelete on the job.
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { isNotFound } from '../../client/errors.js';
import { pods } from '../../client/resources.js';

/** The controller reference a job puts on its pods (controller and blockOwnerDeletion, as upstream). */
export function jobControllerRef(job: Job): OwnerReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata!.name!,
    uid: job.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A job as an event's involved object needs its kind and apiVersion. */
export function asJobRef(job: Job): Job {
  return { ...job, apiVersion: 'batch/v1', kind: 'Job' };
}

export class PodControl {
  constructor(private readonly client: ApiClient, private readonly recorder: EventRecorder) {}

  /** Creates a pod from `template`; the name is generated from `generateName` ("<job>-" by default). */
  async create(job: Job, template: PodTemplateSpec, generateName?: string): Promise<Pod> {
    const ns = job.metadata!.namespace!;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        namespace: ns,
        generateName: generateName ?? `${job.metadata!.name}-`,
        labels: { ...template.metadata?.labels },
        annotations: { ...template.metadata?.annotations },
        finalizers: [...(template.metadata?.finalizers ?? [])],
        ownerReferences: [jobControllerRef(job)],
      },
      spec: structuredClone(template.spec!),
    };
    try {
      const created = await this.client.resource(pods, ns).create(pod);
      this.recorder.event(asJobRef(job), 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      return created;
    } catch (err) {
      this.recorder.event(asJobRef(job), 'Warning', 'FailedCreate', `Error creating: ${errorText(err)}`);
      throw err;
    }
  }

  async delete(job: Job, name: string): Promise<void> {
    const ns = job.metadata!.namespace!;
    try {
      await this.client.resource(pods, ns).delete(name);
      this.recorder.event(asJobRef(job), 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (err) {
      // As upstream: a pod already gone is no failure worth an event.
      if (!isNotFound(err)) this.recorder.event(asJobRef(job), 'Warning', 'FailedDelete', `Error deleting: ${errorText(err)}`);
      throw err;
    }
  }

  patch(namespace: string, name: string, patch: unknown): Promise<Pod> {
    return this.client.resource(pods, namespace).patch(name, 'strategic', patch);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
