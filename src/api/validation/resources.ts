// Resource lists and requirements (upstream ValidateResourceRequirements, ValidateResourceQuantityValue).
import type { FieldError } from '../errors.js';
import { Quantity, quantityRegexText } from '../quantity.js';
import { invalid } from './field-errors.js';
import { isQualifiedName } from './names.js';

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

function isStandardOrQualified(name: string): boolean {
  return standardContainerResources.has(name) || name.startsWith('hugepages-') || name.includes('/');
}

/**
 * Validates each name and quantity of a resource list; returns the parsed quantities.
 * `containerNames` restricts unprefixed names to container resources (cpu, memory, …).
 */
export function validateResourceList(list: unknown, field: string, errs: FieldError[], containerNames = false): Map<string, Quantity> {
  const parsed = new Map<string, Quantity>();
  if (!list || typeof list !== 'object') return parsed;
  for (const [name, raw] of Object.entries(list as Record<string, unknown>)) {
    const path = `${field}[${name}]`;
    // Quota names such as "count/deployments.apps" have a prefix that is not a DNS name.
    if (containerNames) for (const m of isQualifiedName(name)) errs.push(invalid(path, name, m));
    if (containerNames && !isStandardOrQualified(name)) errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
    const q = Quantity.tryParse(raw);
    if (!q) {
      errs.push(invalid(path, raw, `quantities must match the regular expression '${quantityRegexText}'`));
      continue;
    }
    if (q.nanos < 0n) errs.push(invalid(path, q.toString(), 'must be greater than or equal to 0'));
    if (name === 'cpu' && q.nanos > 0n && q.nanos < 1_000_000n) {
      errs.push(invalid(path, q.toString(), 'must be greater than or equal to 1m'));
    }
    parsed.set(name, q);
  }
  return parsed;
}

export function validateResourceRequirements(res: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!res || typeof res !== 'object') return errs;
  const r = res as Record<string, unknown>;
  const limits = validateResourceList(r.limits, `${field}.limits`, errs, true);
  const requests = validateResourceList(r.requests, `${field}.requests`, errs, true);
  for (const [name, req] of requests) {
    const lim = limits.get(name);
    if (lim && req.cmp(lim) > 0) {
      errs.push(invalid(`${field}.requests`, req.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
    }
  }
  return errs;
}
