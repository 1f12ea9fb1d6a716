// ImageLocality (upstream plugins/imagelocality): favours nodes that already have the pod's
// images, weighted by image size and by how widely the image is spread (to avoid herding).
import type { CycleState, StateData } from '../framework/cycle-state.js';
import { MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin } from '../framework/interfaces.js';
import type { MaybeStatus } from '../framework/status.js';
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

class ImagesState implements StateData {
  constructor(readonly images: string[], readonly numContainers: number) {}
  clone(): StateData { return this; }
}

const preScoreKey = 'PreScore' + Names.ImageLocality;

function podImages(pod: PodInfo): ImagesState {
  const containers = [...(pod.pod.spec?.initContainers ?? []), ...(pod.pod.spec?.containers ?? [])];
  const images = containers.filter((c) => c.image).map((c) => normalizedImageName(c.image!));
  return new ImagesState(images, containers.length);
}

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = Names.ImageLocality;

  preScore(state: CycleState, pod: PodInfo): MaybeStatus {
    // Normalize image names once per cycle rather than once per node.
    state.write(preScoreKey, podImages(pod));
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo, snapshot: Snapshot): number {
    // A node without the pod's images scores 0 (the sum stays under the minimum threshold);
    // without images anywhere, the node itself need not be read.
    if (!snapshot.hasImages() || node.imageStates.size === 0) return 0;
    const total = snapshot.numNodes();
    const { images, numContainers } = state.read<ImagesState>(preScoreKey) ?? podImages(pod);
    let sum = 0;
    for (const image of images) {
      const st = node.imageStates.get(image);
      // Spread-scaled size: an image on every node tells little about this one.
      if (st) sum += Math.trunc(st.size * (st.numNodes / total));
    }
    return imageLocalityScore(sum, numContainers);
  }
}
