// Server-side tables (meta.k8s.io/v1 Table) for `kubectl get`. Kinds with printer columns
// get their own; others get upstream's default Name / Created At columns.
import type { KindDef, KubeObject, PrinterColumn } from '../api/kinds.js';

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface TableOptions {
  /** None, Metadata (default) or Object, from the includeObject query parameter. */
  includeObject: string;
}

export type RowPrinter = (obj: KubeObject) => unknown[];

export interface KindPrinter {
  columns: PrinterColumn[];
  row: RowPrinter;
}

const nameColumn: PrinterColumn = {
  name: 'Name', type: 'string', format: 'name', priority: 0,
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
};

const defaultPrinter: KindPrinter = {
  columns: [
    nameColumn,
    { name: 'Created At', type: 'date', format: '', priority: 0, description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
  ],
  row: (o) => [o.metadata?.name, o.metadata?.creationTimestamp],
};

const printers = new Map<string, KindPrinter>();

/** Registers the printer for a group/resource (issue 3 fills in every built-in kind). */
export function registerPrinter(group: string, resource: string, printer: KindPrinter): void {
  printers.set(`${group}/${resource}`, printer);
}

export function printerFor(def: KindDef & { tablePrinter?: KindPrinter }): KindPrinter {
  // Custom resources carry their own (per-version) printer built from the CRD.
  return def.tablePrinter ?? printers.get(`${def.group}/${def.resource}`) ?? defaultPrinter;
}

export function toTable(
  def: KindDef,
  objects: KubeObject[],
  opts: TableOptions,
  listMeta: Record<string, unknown>,
  withColumns = true,
): Record<string, unknown> {
  const printer = printerFor(def);
  const rows: TableRow[] = objects.map((o) => {
    const row: TableRow = { cells: printer.row(o) };
    if (opts.includeObject === 'Object') row.object = o;
    else if (opts.includeObject !== 'None') row.object = partialMetadata(o);
    return row;
  });
  const table: Record<string, unknown> = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta };
  if (withColumns) table.columnDefinitions = printer.columns.map((c) => ({ format: '', description: '', priority: 0, ...c }));
  table.rows = rows;
  return table;
}

export function partialMetadata(o: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** Age as kubectl prints it is computed client-side from the creationTimestamp cell. */
export function age(o: KubeObject): string | undefined {
  return o.metadata?.creationTimestamp;
}

registerPrinter('', 'namespaces', {
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'The status of the namespace' },
    { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
  ],
  row: (o) => [o.metadata?.name, o.status?.phase ?? '', humanAge(o)],
});

/** Upstream's duration.HumanDuration of the object's age. */
export function humanAge(o: KubeObject, now = Date.now()): string {
  const ts = o.metadata?.creationTimestamp;
  if (!ts) return '<unknown>';
  return humanDuration(now - Date.parse(ts));
}

export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const y = Math.floor(hours / 24 / 365);
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${y}y` : `${y}y${d}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}
