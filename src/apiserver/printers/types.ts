// The shape of a server-side table printer: upstream's TableColumnDefinitions plus the function
// that turns one object into one row (pkg/printers/internalversion's print<Kind> functions).
import type { KubeObject, PrinterColumn } from '../../api/kinds.js';

export type { KubeObject, PrinterColumn };

/**
 * Cells for one object, in column order. Upstream's API server always prints with Wide set
 * (the TableConvertor passes GenerateOptions{Wide: true}), so rows carry the priority-1 cells
 * too and kubectl hides them unless `-o wide`.
 */
export type RowPrinter = (obj: KubeObject, now: number) => unknown[];

/** metav1.TableRowCondition, e.g. Completed for a Succeeded pod. */
export interface RowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface KindPrinter {
  columns: PrinterColumn[];
  row: RowPrinter;
  /** Conditions upstream attaches to a row (only pods have any). */
  conditions?: (obj: KubeObject) => RowCondition[] | undefined;
}

/** A printer for one group/resource; index.ts lists every built-in one. */
export interface PrinterRegistration {
  group: string;
  resource: string;
  printer: KindPrinter;
}
