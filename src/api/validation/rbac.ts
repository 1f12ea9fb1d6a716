// rbac.authorization.k8s.io/v1 validation (upstream pkg/apis/rbac/validation). RBAC object
// names are path segments, not DNS names.
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../kinds.js';
import { invalid, notSupported, required } from './field-errors.js';
import { validateLabelSelector } from './label-selector.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsPathSegment, isValidPathSegmentName } from './names.js';

type Obj = Record<string, any>;

const rbacGroup = 'rbac.authorization.k8s.io';

function validatePolicyRule(rule: Obj, namespaced: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(rule?.verbs) || rule.verbs.length === 0) errs.push(required(`${field}.verbs`, 'verbs must contain at least one value'));
  const urls: string[] = Array.isArray(rule?.nonResourceURLs) ? rule.nonResourceURLs : [];
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(`${field}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      errs.push(invalid(`${field}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!Array.isArray(rule?.apiGroups) || rule.apiGroups.length === 0) {
    errs.push(required(`${field}.apiGroups`, 'resource rules must supply at least one api group'));
  }
  if (!Array.isArray(rule?.resources) || rule.resources.length === 0) {
    errs.push(required(`${field}.resources`, 'resource rules must supply at least one resource'));
  }
  return errs;
}

function validateRules(rules: unknown, namespaced: boolean): FieldError[] {
  return (Array.isArray(rules) ? rules : []).flatMap((r: Obj, i: number) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

export function validateRole(obj: KubeObject): FieldError[] {
  return [...validateObjectMeta(obj, { namespaced: true, nameValidator: nameIsPathSegment }), ...validateRules(obj.rules, true)];
}

export function validateClusterRole(obj: KubeObject): FieldError[] {
  const errs = [...validateObjectMeta(obj, { namespaced: false, nameValidator: nameIsPathSegment }), ...validateRules(obj.rules, false)];
  (obj.aggregationRule?.clusterRoleSelectors ?? []).forEach((s: Obj, i: number) => {
    errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`));
  });
  return errs;
}

function validateSubjects(subjects: unknown, requireSANamespace: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(subjects) ? subjects : []).forEach((s: Obj, i: number) => {
    const sp = `subjects[${i}]`;
    if (!s?.name) errs.push(required(`${sp}.name`));
    switch (s?.kind) {
      case 'ServiceAccount':
        if (s.apiGroup) errs.push(notSupported(`${sp}.apiGroup`, s.apiGroup, ['']));
        if (requireSANamespace && !s.namespace) errs.push(required(`${sp}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== rbacGroup) errs.push(notSupported(`${sp}.apiGroup`, s.apiGroup ?? '', [rbacGroup]));
        break;
      default:
        errs.push(notSupported(`${sp}.kind`, s?.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
  return errs;
}

function validateRoleRef(ref: Obj | undefined, kinds: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (ref?.apiGroup !== rbacGroup) errs.push(notSupported('roleRef.apiGroup', ref?.apiGroup ?? '', [rbacGroup]));
  if (!kinds.includes(ref?.kind)) errs.push(notSupported('roleRef.kind', ref?.kind ?? '', kinds));
  if (!ref?.name) errs.push(required('roleRef.name'));
  else for (const m of isValidPathSegmentName(ref.name)) errs.push(invalid('roleRef.name', ref.name, m));
  return errs;
}

export function validateRoleBinding(obj: KubeObject): FieldError[] {
  return [
    ...validateObjectMeta(obj, { namespaced: true, nameValidator: nameIsPathSegment }),
    ...validateRoleRef(obj.roleRef, ['Role', 'ClusterRole']),
    ...validateSubjects(obj.subjects, false),
  ];
}

export function validateClusterRoleBinding(obj: KubeObject): FieldError[] {
  return [
    ...validateObjectMeta(obj, { namespaced: false, nameValidator: nameIsPathSegment }),
    ...validateRoleRef(obj.roleRef, ['ClusterRole']),
    ...validateSubjects(obj.subjects, true),
  ];
}

/** The role a binding grants may not change (upstream: delete and recreate the binding). */
export function validateBindingUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj, old);
  const a = obj.roleRef ?? {};
  const b = old.roleRef ?? {};
  if (a.apiGroup !== b.apiGroup || a.kind !== b.kind || a.name !== b.name) {
    errs.push(invalid('roleRef', a, 'cannot change roleRef'));
  }
  return errs;
}
