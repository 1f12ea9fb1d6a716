// ImageLocality (upstream plugins/imagelocality): favours nodes that already have the pod's
// images, weighted by image size and by how widely the image is spread (to avoid herding).
import type { CycleState } from '../framework/cycle-state.js';
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework/interfaces.js';
import type { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';
import { normalizedImageName, type Snapshot } from '../framework/snapshot.js';
import { Names } from './names.js';

const MB = 1024 * 1024;
export const MIN_THRESHOLD = 23 * MB;
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

export function imageLocalityScore(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  const s = Math.min(Math.max(sumScores, MIN_THRESHOLD), maxThreshold);
  return Math.trunc((MAX_NODE_SCORE * (s - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

export class ImageLocality implements ScorePlugin {
  readonly name = Names.ImageLocality;

  score(_state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: Snapshot): number {
    const total = snapshot.numNodes();
    const containers = [...(pod.pod.spec?.initContainers ?? []), ...(pod.pod.spec?.containers ?? [])];
    let sum = 0;
    for (const c of containers) {
      if (!c.image) continue;
      const st = node.imageStates.get(normalizedImageName(c.image));
      // Spread-scaled size: an image on every node tells little about this one.
      if (st) sum += Math.trunc(st.size * (st.numNodes / total));
    }
    return imageLocalityScore(sum, containers.length);
  }
}
