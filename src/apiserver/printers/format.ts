// Cell formatting shared by the printers: labels, selectors, container lists, booleans,
// quantities, and the "a,b,c + N more..." lists.
import { selectorFromLabelSelector, type LabelSelectorSpec } from '../../api/labels.js';
import { canonicalQuantity } from '../../api/quantity.js';

/** labels.FormatLabels: sorted "k=v,k2=v2", or "<none>". */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** The String() of metav1.LabelSelectorAsSelector; a nil selector selects nothing and prints "". */
export function labelSelectorString(sel: LabelSelectorSpec | undefined | null): string | undefined {
  try {
    return selectorFromLabelSelector(sel).toString();
  } catch {
    return undefined;
  }
}

/** metav1.FormatLabelSelector: "<error>" when invalid, "<none>" when it prints empty. */
export function formatLabelSelector(sel: LabelSelectorSpec | undefined | null): string {
  const s = labelSelectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

interface ContainerLike {
  name?: string;
  image?: string;
}

/** layoutContainerCells: comma-joined container names and images. */
export function containerCells(containers: ContainerLike[] | undefined | null): [names: string, images: string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** printBool: "True" / "False". */
export function printBool(v: boolean | undefined | null): string {
  return v ? 'True' : 'False';
}

/** printBoolPtr: "<unset>" for nil. */
export function printBoolPtr(v: boolean | undefined | null): string {
  return v === undefined || v === null ? '<unset>' : printBool(v);
}

/** Quantity.String() of a possibly missing quantity ("0" for none, as a zero Quantity prints). */
export function quantityText(q: string | number | undefined | null): string {
  if (q === undefined || q === null || q === '') return '0';
  return canonicalQuantity(q);
}

/** listWithMoreString: "a,b,c + 2 more...", or "<unset>" for an empty list. */
export function listWithMore(items: string[], max = 3): string {
  if (items.length === 0) return '<unset>';
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

/** net.JoinHostPort: brackets around IPv6 hosts. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** IntOrString.String(). */
export function intOrString(v: number | string | undefined | null): string {
  return v === undefined || v === null ? '' : String(v);
}

/** Sorted, de-duplicated values (upstream sets.String.List()). */
export function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

export function int64(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
