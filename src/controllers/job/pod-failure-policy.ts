// Pod failure policy, after upstream's pkg/controller/job pod_failure_policy.go: the first
// rule matching a failed pod (by a non-zero container exit code, or by a pod condition)
// decides whether the job fails (FailJob), the failure is ignored (Ignore) or counted
// towards backoffLimit (Count, and the default when no rule matches).
import type { PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';

export type PodFailurePolicyAction = 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';

export interface PodFailurePolicyMatch {
  /** Set when a FailJob rule matched: the message of the job's failure condition. */
  failJobMessage?: string;
  /** Whether the failure counts towards backoffLimit. */
  countFailed: boolean;
  /** The action of the matching rule, if one matched. */
  action?: PodFailurePolicyAction;
}

export function matchPodFailurePolicy(policy: PodFailurePolicy, pod: Pod): PodFailurePolicyMatch {
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    const action = rule.action as PodFailurePolicyAction;
    if (rule.onExitCodes) {
      const c = matchOnExitCodes(pod, rule.onExitCodes);
      if (!c) continue;
      switch (action) {
        case 'Ignore': return { countFailed: false, action };
        case 'Count': return { countFailed: true, action };
        case 'FailJob': return {
          failJobMessage: `Container ${c.name} for pod ${ns}/${name} failed with exit code ${c.state!.terminated!.exitCode} matching FailJob rule at index ${index}`,
          countFailed: true,
          action,
        };
        // FailIndex needs backoffLimitPerIndex, which this controller does not implement: the rule is skipped.
        default: continue;
      }
    } else if (rule.onPodConditions) {
      const cond = (pod.status?.conditions ?? []).find((pc) => rule.onPodConditions!.some((p) => p.type === pc.type && (p.status ?? 'True') === pc.status));
      if (!cond) continue;
      switch (action) {
        case 'Ignore': return { countFailed: false, action };
        case 'Count': return { countFailed: true, action };
        case 'FailJob': return {
          failJobMessage: `Pod ${ns}/${name} has condition ${cond.type} matching FailJob rule at index ${index}`,
          countFailed: true,
          action,
        };
        default: continue;
      }
    }
  }
  return { countFailed: true };
}

/** The first terminated container (regular ones first, then init) whose non-zero exit code matches. */
function matchOnExitCodes(pod: Pod, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  return matchingContainer(pod.status?.containerStatuses ?? [], req) ?? matchingContainer(pod.status?.initContainerStatuses ?? [], req);
}

function matchingContainer(statuses: ContainerStatus[], req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  for (const s of statuses) {
    const code = s.state?.terminated?.exitCode;
    if (code === undefined || code === 0) continue;
    if (req.containerName && req.containerName !== s.name) continue;
    const listed = req.values.includes(code);
    if ((req.operator === 'In' && listed) || (req.operator === 'NotIn' && !listed)) return s;
  }
  return undefined;
}
