// metav1.LabelSelector validation (upstream metav1validation.ValidateLabelSelector) and the
// "selector matches template labels" rule the workload controllers depend on.
import type { FieldError } from '../errors.js';
import { selectorFromLabelSelector, type LabelSelectorSpec } from '../labels.js';
import { forbidden, invalid, required } from './field-errors.js';
import { validateLabels } from './meta.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

export function validateLabelSelector(ls: LabelSelectorSpec | undefined | null, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!ls) return errs;
  (ls.matchExpressions ?? []).forEach((expr, i) => {
    const path = `${field}.matchExpressions[${i}]`;
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(`${path}.operator`, expr.operator, 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(String(expr.key ?? ''))) errs.push(invalid(`${path}.key`, expr.key, m));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(String(v))) errs.push(invalid(`${path}.values[${j}]`, v, m));
    });
  });
  errs.push(...validateLabels(ls.matchLabels, `${field}.matchLabels`));
  return errs;
}

/** True when the selector has neither matchLabels nor matchExpressions. */
export function isEmptyLabelSelector(ls: LabelSelectorSpec | undefined | null): boolean {
  return !ls || (Object.keys(ls.matchLabels ?? {}).length === 0 && (ls.matchExpressions ?? []).length === 0);
}

/**
 * Upstream workload rule: a selector is required, non-empty and must select the pod template's
 * labels. `kindName` appears in the empty-selector message ("empty selector is invalid for deployment").
 */
export function validateWorkloadSelector(spec: Record<string, any>, kindName: string, field = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const ls = spec.selector as LabelSelectorSpec | undefined;
  if (!ls) return [required(`${field}.selector`)];
  errs.push(...validateLabelSelector(ls, `${field}.selector`));
  if (isEmptyLabelSelector(ls)) {
    errs.push(invalid(`${field}.selector`, ls, `empty selector is invalid for ${kindName}`));
    return errs;
  }
  if (errs.length) return errs;
  const labels = spec.template?.metadata?.labels as Record<string, string> | undefined;
  let matches = false;
  try {
    matches = selectorFromLabelSelector(ls).matches(labels ?? {});
  } catch {
    matches = false;
  }
  if (!matches) {
    errs.push(invalid(`${field}.template.metadata.labels`, labels ?? {}, '`selector` does not match template `labels`'));
  }
  return errs;
}
