// A set of field paths stored as a trie, as structured-merge-diff's fieldpath.Set: at each level,
// the path elements that are members of the set and the children sets one level down. Encoded in
// metadata.managedFields as FieldsV1: `{}` marks a member leaf, `".": {}` marks a member that also
// has children, and children are keyed by their serialized path element, in upstream order.
import {
  comparePathElements, parsePathElement, serializePathElement, type FieldPath, type PathElement,
} from './path-element.js';

/** FieldsV1 JSON: a trie of serialized path elements. */
export type FieldsV1 = { [key: string]: FieldsV1 };

interface Child { readonly pe: PathElement; readonly set: FieldSet }

export class FieldSet {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, Child>();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Inserts a path; the empty path (the whole object) is not tracked, as upstream. */
  insert(path: FieldPath): this {
    if (path.length === 0) return this;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i]!);
    const last = path[path.length - 1]!;
    node.members.set(serializePathElement(last), last);
    return this;
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(serializePathElement(path[i]!))?.set;
    return !!node && node.members.has(serializePathElement(path[path.length - 1]!));
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(serializePathElement(pe));
  }

  /** The set of paths below `pe`, relative to it (upstream WithPrefix); empty if none. */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializePathElement(pe))?.set ?? EMPTY;
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.empty()) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    out.addAll(other);
    return out;
  }

  /** Members of this set that are not members of `other` (children compared level by level). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      const d = o ? c.set.difference(o.set) : c.set.copy();
      if (!d.empty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  /** Like difference, but a member of `other` also removes everything below it (upstream RecursiveDifference). */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (other.members.has(k)) continue;
      const o = other.children.get(k);
      const d = o ? c.set.recursiveDifference(o.set) : c.set.copy();
      if (!d.empty()) out.children.set(k, { pe: c.pe, set: d });
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) continue;
      const i = c.set.intersection(o.set);
      if (!i.empty()) out.children.set(k, { pe: c.pe, set: i });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).empty() && other.difference(this).empty();
  }

  /** Every member path, in upstream order: this level's members, then each child's paths. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (set: FieldSet, prefix: PathElement[]): void => {
      for (const pe of sorted(set.members.values())) out.push([...prefix, pe]);
      for (const c of set.entries().children) walk(c.set, [...prefix, c.pe]);
    };
    walk(this, []);
    return out;
  }

  /** Walks members and children for schema-aware transforms (see ensureNamedFieldsAreMembers). */
  entries(): { members: PathElement[]; children: { pe: PathElement; set: FieldSet }[] } {
    const children = [...this.children.values()]
      .filter((c) => !c.set.empty())
      .sort((a, b) => comparePathElements(a.pe, b.pe));
    return { members: sorted(this.members.values()), children };
  }

  toFieldsV1(): FieldsV1 {
    return emit(this, false);
  }

  static fromFieldsV1(json: unknown): FieldSet {
    const set = new FieldSet();
    if (!isFields(json)) throw new Error('FieldsV1 must be a JSON object');
    read(json, set);
    return set;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    out.addAll(this);
    return out;
  }

  private addAll(other: FieldSet): void {
    for (const [k, pe] of other.members) this.members.set(k, pe);
    for (const c of other.children.values()) this.descend(c.pe).addAll(c.set);
  }

  private descend(pe: PathElement): FieldSet {
    const k = serializePathElement(pe);
    let c = this.children.get(k);
    if (!c) {
      c = { pe, set: new FieldSet() };
      this.children.set(k, c);
    }
    return c.set;
  }
}

const EMPTY = new FieldSet();

function sorted(pes: Iterable<PathElement>): PathElement[] {
  return [...pes].sort(comparePathElements);
}

/** Upstream emitContentsV1: members and children merged in path-element order; "." first. */
function emit(set: FieldSet, includeSelf: boolean): FieldsV1 {
  const out: FieldsV1 = {};
  const { members, children } = set.entries();
  if (includeSelf && (members.length > 0 || children.length > 0)) out['.'] = {};
  let mi = 0;
  let ci = 0;
  while (mi < members.length || ci < children.length) {
    const m = members[mi];
    const c = children[ci];
    const order = !m ? 1 : !c ? -1 : comparePathElements(m, c.pe);
    if (order < 0) {
      out[serializePathElement(m!)] = {};
      mi++;
    } else if (order > 0) {
      out[serializePathElement(c!.pe)] = emit(c!.set, false);
      ci++;
    } else {
      out[serializePathElement(c!.pe)] = emit(c!.set, true);
      mi++;
      ci++;
    }
  }
  return out;
}

/** Upstream readIterV1: an empty object is a member; "." marks a member with children. */
function read(json: FieldsV1, into: FieldSet, prefix: PathElement[] = []): void {
  for (const [key, sub] of Object.entries(json)) {
    if (key === '.') continue;
    const pe = parsePathElement(key);
    if (!pe) continue;
    if (!isFields(sub)) throw new Error(`FieldsV1 entry ${JSON.stringify(key)} must be an object`);
    const path = [...prefix, pe];
    const keys = Object.keys(sub);
    if (keys.length === 0 || Object.hasOwn(sub, '.')) into.insert(path);
    read(sub, into, path);
  }
}

function isFields(v: unknown): v is FieldsV1 {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
