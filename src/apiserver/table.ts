// Server-side tables (meta.k8s.io/v1 Table) for `kubectl get`. Built-in kinds use upstream's
// printers (./printers); others get upstream's default Name / Created At columns.
import type { KindDef, KubeObject, PrinterColumn } from '../api/kinds.js';
import { builtinPrinters } from './printers/index.js';
import type { KindPrinter, RowCondition } from './printers/types.js';
import { humanDuration, since } from './printers/time.js';

export type { KindPrinter, RowPrinter } from './printers/types.js';
export { humanDuration };

export interface TableRow {
  cells: unknown[];
  conditions?: RowCondition[];
  object?: unknown;
}

export interface TableOptions {
  /** None, Metadata (default) or Object, from the includeObject query parameter. */
  includeObject: string;
  /** The time ages are computed against (tests); defaults to now. */
  now?: number;
}

const nameColumn: PrinterColumn = {
  name: 'Name', type: 'string', format: 'name', priority: 0,
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
};

const defaultPrinter: KindPrinter = {
  columns: [
    nameColumn,
    { name: 'Created At', type: 'date', format: '', priority: 0, description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata' },
  ],
  row: (o) => [o.metadata?.name, o.metadata?.creationTimestamp],
};

const printers = new Map<string, KindPrinter>(builtinPrinters.map((p) => [`${p.group}/${p.resource}`, p.printer]));

/** Registers (or replaces) the printer for a group/resource. */
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
  const now = opts.now ?? Date.now();
  const rows: TableRow[] = objects.map((o) => {
    const row: TableRow = { cells: printer.row(o, now) };
    const conditions = printer.conditions?.(o);
    if (conditions) row.conditions = conditions;
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

/** Upstream's duration.HumanDuration of the object's age. */
export function humanAge(o: KubeObject, now = Date.now()): string {
  return since(o.metadata?.creationTimestamp, now);
}
