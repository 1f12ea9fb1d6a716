// Column definitions as upstream declares them. Descriptions are the API field docs (upstream
// uses the generated SwaggerDoc()), looked up in the built-in OpenAPI definitions on first use.
import { builtinDefinitions } from '../openapi/definitions.js';
import type { KindPrinter, PrinterColumn, RowCondition, RowPrinter, KubeObject } from './types.js';

/** The doc of a field of an API type, e.g. fieldDoc('core.v1.PodStatus', 'podIP'); '' if unknown. */
export function fieldDoc(type: string, field: string): string {
  const name = type.startsWith('meta.') ? `io.k8s.apimachinery.pkg.apis.${type}` : `io.k8s.api.${type}`;
  try {
    const d = builtinDefinitions()[name]?.properties?.[field]?.description;
    return typeof d === 'string' ? d : '';
  } catch {
    // Definitions are generated at build time; a table still works without descriptions.
    return '';
  }
}

/** Where a column's description comes from: literal text, or [type, field] of an API doc. */
export type DocSource = string | [type: string, field: string];

export interface ColumnSpec {
  name: string;
  type: 'string' | 'integer' | 'boolean' | 'number' | 'date';
  format?: string;
  priority?: number;
  doc: DocSource;
}

function resolve(c: ColumnSpec): PrinterColumn {
  const description = typeof c.doc === 'string' ? c.doc : fieldDoc(c.doc[0], c.doc[1]);
  return { name: c.name, type: c.type, format: c.format ?? '', description, priority: c.priority ?? 0 };
}

/**
 * A printer whose column descriptions are resolved on first read, so loading a printer module
 * reads no files.
 */
export function definePrinter(
  specs: ColumnSpec[],
  row: RowPrinter,
  conditions?: (obj: KubeObject) => RowCondition[] | undefined,
): KindPrinter {
  let resolved: PrinterColumn[] | undefined;
  return {
    get columns() {
      resolved ??= specs.map(resolve);
      return resolved;
    },
    row,
    ...(conditions ? { conditions } : {}),
  };
}

export const nameCol: ColumnSpec = { name: 'Name', type: 'string', format: 'name', doc: ['meta.v1.ObjectMeta', 'name'] };
export const ageCol: ColumnSpec = { name: 'Age', type: 'string', doc: ['meta.v1.ObjectMeta', 'creationTimestamp'] };

export function str(name: string, doc: DocSource, priority = 0): ColumnSpec {
  return { name, type: 'string', doc, priority };
}

export function int(name: string, doc: DocSource, priority = 0): ColumnSpec {
  return { name, type: 'integer', doc, priority };
}

export function bool(name: string, doc: DocSource, priority = 0): ColumnSpec {
  return { name, type: 'boolean', doc, priority };
}

/** The wide Containers / Images (/ Selector) columns of the workload printers. */
export const containersCol = str('Containers', 'Names of each container in the template.', 1);
export const imagesCol = str('Images', 'Images referenced by each container in the template.', 1);
