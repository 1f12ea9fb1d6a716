// Turns labelSelector / fieldSelector query parameters into one predicate over objects.
import type { KindDef, KubeObject } from '../api/kinds.js';
import { parseLabelSelector } from '../api/labels.js';
import { checkFieldSelectorSupported, matchesFieldSelector, parseFieldSelector } from '../api/fields.js';

export type ObjectFilter = (obj: KubeObject) => boolean;

/** Undefined when nothing is filtered. `name` narrows to one object (watch on a named path). */
export function buildFilter(def: KindDef, labelSelector: string | null, fieldSelector: string | null, name?: string): ObjectFilter | undefined {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
  if (fields) checkFieldSelectorSupported(fields, def);
  const useLabels = labels && !labels.empty;
  const useFields = fields && !fields.empty;
  if (!useLabels && !useFields && !name) return undefined;
  return (obj) =>
    (!name || obj.metadata?.name === name) &&
    (!useLabels || labels!.matches(obj.metadata?.labels)) &&
    (!useFields || matchesFieldSelector(fields!, def, obj));
}
