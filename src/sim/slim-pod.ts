// What the simulator keeps of a pod while it waits to act on it: a decoded pod with its
// managedFields, labels, annotations, resources and volumes is a few KB; the fields below are
// a few hundred bytes. Applied to every list page and watch event before anything else holds
// the pod, as client-go's informer transform (SetTransform) is used to trim caches.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectList, ResourceClient, WatchOptions } from '../client/api-client.js';
import { isResourceExpired } from '../client/errors.js';
import type { ListerWatcher, ListWatchSelectors } from '../client/list-watch.js';
import type { Watch, WatchEvent } from '../client/watch.js';

function slimContainers(cs: Container[] | undefined): Container[] | undefined {
  return cs?.map((c) => ({ name: c.name, image: c.image }));
}

/**
 * Keeps what runningStatus / succeededStatus and the lifecycle read: identity, node, deletion
 * state, the Job owner, container names and images, phase, start time, QoS class and the
 * PodScheduled condition.
 */
export function slimPod(pod: Pod): Pod {
  const m = pod.metadata ?? {};
  const jobOwner = m.ownerReferences?.filter((o) => o.kind === 'Job' && o.controller);
  const scheduled = pod.status?.conditions?.filter((c) => c.type === 'PodScheduled');
  const s = pod.status;
  return {
    metadata: {
      name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion,
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp, deletionGracePeriodSeconds: m.deletionGracePeriodSeconds } : {}),
      ...(jobOwner?.length ? { ownerReferences: jobOwner } : {}),
    },
    spec: {
      nodeName: pod.spec?.nodeName,
      containers: slimContainers(pod.spec?.containers) ?? [],
      ...(pod.spec?.initContainers?.length ? { initContainers: slimContainers(pod.spec.initContainers) } : {}),
    },
    ...(s ? {
      status: {
        phase: s.phase,
        ...(s.startTime ? { startTime: s.startTime } : {}),
        ...(s.qosClass ? { qosClass: s.qosClass } : {}),
        ...(scheduled?.length ? { conditions: scheduled } : {}),
      },
    } : {}),
  };
}

/**
 * A ListerWatcher whose pods are slimmed page by page and event by event, so that a relist of
 * a hundred thousand pods never holds more than one page of full pods.
 */
export function slimPodListWatch(resource: ResourceClient<Pod>, sel: ListWatchSelectors = {}): ListerWatcher<Pod> {
  const { pageSize = 500, ...selectors } = sel;
  return {
    async list(): Promise<ObjectList<Pod>> {
      const first = await resource.list({ ...selectors, limit: pageSize });
      const items = first.items.map(slimPod);
      let token = first.metadata.continue;
      while (token) {
        let page: ObjectList<Pod>;
        try {
          page = await resource.list({ ...selectors, limit: pageSize, continue: token });
        } catch (err) {
          // An expired continue token: start over in one request (as the pager does).
          if (!isResourceExpired(err)) throw err;
          const all = await resource.list(selectors);
          return { ...all, items: all.items.map(slimPod) };
        }
        for (const p of page.items) items.push(slimPod(p));
        token = page.metadata.continue;
      }
      return { ...first, metadata: { ...first.metadata, continue: undefined }, items };
    },
    async watch(opts: WatchOptions): Promise<Watch<Pod>> {
      const w = await resource.watch({ ...selectors, ...opts });
      return {
        cancel: () => w.cancel(),
        async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<Pod>> {
          for await (const ev of w) {
            // ERROR events carry a Status and BOOKMARKs only a resourceVersion: pass them as they are.
            if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') yield { ...ev, object: slimPod(ev.object) };
            else yield ev;
          }
        },
      };
    },
  };
}
