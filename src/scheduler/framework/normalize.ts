// Upstream helper.DefaultNormalizeScore: scale scores so the highest becomes maxPriority
// (integer division), optionally reversed (lower raw score is better).
import type { NodeScore } from './interfaces.js';

export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): void {
  // Indexed loops: this runs over every scored node of every cycle.
  let max = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]!.score > max) max = scores[i]!.score;
  if (max === 0) {
    if (reverse) for (let i = 0; i < scores.length; i++) scores[i]!.score = maxPriority;
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    let v = Math.trunc((maxPriority * s.score) / max);
    if (reverse) v = maxPriority - v;
    s.score = v;
  }
}
