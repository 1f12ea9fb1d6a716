// Table columns of custom resources from the CRD's additionalPrinterColumns, as upstream:
// NAME, then the columns (cells from their JSONPath); AGE when the CRD names no columns.
import type { KubeObject } from '../../api/kinds.js';
import type { KindPrinter } from '../table.js';
import { humanAge } from '../table.js';
import type { CustomKindDef } from './crd-kinds.js';
import { compileJsonPath, evaluateJsonPath } from './jsonpath.js';

const nameColumn = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 };
const ageColumn = { name: 'Age', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 };

export function customResourcePrinter(def: CustomKindDef): KindPrinter {
  const columns = def.crdPrinterColumns ?? [];
  if (!columns.length) return { columns: [nameColumn, ageColumn], row: (o) => [o.metadata?.name, humanAge(o)] };
  const compiled = columns.map((c) => {
    try {
      return compileJsonPath(c.jsonPath);
    } catch {
      return undefined;
    }
  });
  return {
    columns: [nameColumn, ...columns.map(({ jsonPath: _p, ...c }) => c)],
    row: (o: KubeObject) => [o.metadata?.name, ...columns.map((c, i) => cell(o, c.type, compiled[i]))],
  };
}

function cell(o: KubeObject, type: string, path: ReturnType<typeof compileJsonPath> | undefined): unknown {
  if (!path) return null;
  const values = evaluateJsonPath(o, path);
  if (!values.length) return null;
  const v = values.length === 1 ? values[0] : values.map(String).join(',');
  if (type === 'date' && typeof v === 'string') return humanAge({ metadata: { creationTimestamp: v } });
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}
