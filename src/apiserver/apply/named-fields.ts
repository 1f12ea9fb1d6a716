// upstream Set.EnsureNamedFieldsAreMembers: a struct field with owned children counts as a
// member itself, so that pruning can remove a whole struct field its last applier dropped.
import { FieldSet } from './field-set.js';
import type { PathElement } from './path-element.js';
import { deducedType, type ApplyType } from './type-schema.js';

export function ensureNamedFieldsAreMembers(set: FieldSet, type: ApplyType): FieldSet {
  const out = new FieldSet();
  fill(set, type, [], out);
  return out;
}

function fill(set: FieldSet, type: ApplyType, prefix: PathElement[], out: FieldSet): void {
  const { members, children } = set.entries();
  for (const pe of members) out.insert([...prefix, pe]);
  for (const { pe, set: below } of children) {
    const path = [...prefix, pe];
    let childType: ApplyType = deducedType;
    if ('field' in pe && type.kind === 'map') {
      const f = type.field(pe.field);
      if (f.named) out.insert(path);
      childType = f.type;
    } else if (!('field' in pe) && type.kind === 'list') {
      childType = type.item;
    }
    fill(below, childType, path, out);
  }
}
