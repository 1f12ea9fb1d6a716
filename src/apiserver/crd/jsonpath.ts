// The JSONPath subset CRD printer columns use: `.a.b`, `.a[0]`, `.a[*].b` and filters like
// `.status.conditions[?(@.type=="Ready")].status`. Enough for additionalPrinterColumns.

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; value: string } };

export function compileJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  const text = path.trim().replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([^=!]+?)\s*==\s*["']?([^"')]*)["']?\)\]/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text))) {
    if (m.index !== consumed) throw new Error(`unsupported JSONPath ${path}`);
    consumed = re.lastIndex;
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: { path: m[3].split('.'), value: m[4] } });
    else steps.push({ all: true });
  }
  if (consumed !== text.length) throw new Error(`unsupported JSONPath ${path}`);
  return steps;
}

/** All values the path selects. */
export function evaluateJsonPath(obj: unknown, steps: Step[]): unknown[] {
  let current: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || v === undefined) continue;
      if ('field' in step) {
        if (typeof v === 'object' && !Array.isArray(v)) next.push((v as Record<string, unknown>)[step.field]);
      } else if ('index' in step) {
        if (Array.isArray(v)) next.push(v[step.index]);
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (typeof v === 'object') next.push(...Object.values(v as object));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: any = item;
          for (const p of step.filter.path) x = x?.[p];
          if (x !== undefined && String(x) === step.filter.value) next.push(item);
        }
      }
    }
    current = next.filter((x) => x !== undefined);
  }
  return current;
}
