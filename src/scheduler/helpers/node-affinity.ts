// Node selector matching, as upstream component-helpers nodeaffinity: terms are ORed, a term's
// expressions and fields ANDed, an empty term matches nothing; operators In, NotIn, Exists,
// DoesNotExist, Gt, Lt; matchFields supports metadata.name.
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1.js';

function parseInteger(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

function requirementMatches(r: NodeSelectorRequirement, fields: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(fields, r.key);
  const v = fields[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return has && values.includes(v!);
    case 'NotIn': return !has || !values.includes(v!);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const a = parseInteger(v!);
      const b = parseInteger(values[0]!);
      if (a === undefined || b === undefined) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default: return false;
  }
}

export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  for (const r of exprs) if (!requirementMatches(r, labels)) return false;
  if (fields.length) {
    const nodeFields = { 'metadata.name': node.metadata?.name ?? '' };
    for (const r of fields) {
      if (r.key !== 'metadata.name' || (r.operator !== 'In' && r.operator !== 'NotIn')) return false;
      if (!requirementMatches(r, nodeFields)) return false;
    }
  }
  return true;
}

export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  for (const t of terms) if (nodeSelectorTermMatches(t, node)) return true;
  return false;
}

/** The pod's nodeSelector and required node affinity together (upstream RequiredNodeAffinity). */
export function requiredNodeAffinityMatches(pod: Pod, node: Node): boolean {
  const sel = pod.spec?.nodeSelector;
  if (sel) {
    const labels = node.metadata?.labels ?? {};
    for (const k in sel) if (labels[k] !== sel[k]) return false;
  }
  const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (req) return nodeSelectorTermsMatch(req.nodeSelectorTerms ?? [], node);
  return true;
}
