// The ownership bookkeeping of structured-merge-diff's merge.Updater, over plain JSON objects:
// update() moves changed fields to the acting manager (refusing, for apply without force, to
// take fields another manager owns); apply() merges a configuration, prunes what its manager
// stopped applying, and records the configuration's fields as that manager's.
// One schema version is assumed for all entries (built-in kinds keep field paths across versions).
import { deepEqual } from './json-value.js';
import { compareObjects, type Comparison } from './compare.js';
import { applyConflictError, type ManagerConflict } from './conflicts.js';
import { FieldSet } from './field-set.js';
import { fieldSetOf } from './field-set-of.js';
import type { ManagerFields, Managers } from './managed-fields.js';
import { mergeObjects } from './merge.js';
import { ensureNamedFieldsAreMembers } from './named-fields.js';
import { removeItems } from './remove-items.js';
import type { ApplyType } from './type-schema.js';

export interface UpdaterOptions {
  readonly type: ApplyType;
  /** Fields this endpoint resets and so never assigns (upstream strategy GetResetFields), e.g. status. */
  readonly ignored?: FieldSet;
  /** Paths never recorded for the acting manager (upstream stripmeta.go), e.g. metadata.name. */
  readonly stripped?: FieldSet;
}

function excludeIgnored(c: Comparison, ignored: FieldSet | undefined): Comparison {
  if (!ignored || ignored.empty()) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

/**
 * Top-level fields the endpoint ignores as a whole (status on the main resource, spec on the
 * status subresource): everything below them would be excluded from the comparison anyway,
 * so they are not compared at all.
 */
function ignoredTopLevelFields(ignored: FieldSet | undefined): string[] {
  if (!ignored) return [];
  const out: string[] = [];
  for (const pe of ignored.entries().members) if ('field' in pe) out.push(pe.field);
  return out;
}

function withoutFields(obj: unknown, fields: string[]): unknown {
  if (fields.length === 0 || typeof obj !== 'object' || obj === null || Array.isArray(obj)) return obj;
  const copy: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  for (const f of fields) delete copy[f];
  return copy;
}

/**
 * upstream Updater.update: the comparison of old and new; other managers lose what changed
 * (or conflict, without force) and what was removed; emptied managers are dropped.
 */
function reassign(oldObj: unknown, newObj: unknown, managers: Managers, actor: string, force: boolean, opts: UpdaterOptions): Comparison {
  const skipped = ignoredTopLevelFields(opts.ignored);
  const compare = excludeIgnored(compareObjects(withoutFields(oldObj, skipped), withoutFields(newObj, skipped), opts.type), opts.ignored);
  const changed = compare.modified.union(compare.added);
  const conflicts: ManagerConflict[] = [];
  for (const [id, m] of managers) {
    if (id === actor) continue;
    const taken = m.set.intersection(changed);
    if (!taken.empty()) conflicts.push({ id, owner: m, fields: taken });
  }
  if (!force && conflicts.length > 0) throw applyConflictError(conflicts);
  for (const c of conflicts) {
    const m = managers.get(c.id)!;
    m.set = m.set.difference(c.fields);
  }
  if (!compare.removed.empty()) {
    for (const [id, m] of managers) if (id !== actor) m.set = m.set.difference(compare.removed);
  }
  for (const [id, m] of managers) if (m.set.empty()) managers.delete(id);
  return compare;
}

/**
 * upstream Updater.Update for a create, update or non-apply patch: the fields this request
 * added or modified become the actor's, removed ones leave everyone. Returns whether the
 * actor's fields changed (then its time is refreshed).
 */
export function recordUpdate(oldObj: unknown, newObj: unknown, managers: Managers, actor: Omit<ManagerFields, 'set' | 'time'> & { id: string }, opts: UpdaterOptions): boolean {
  // As upstream's managedFieldsUpdater: compute under a temporary identity, then fold into the
  // actor's entry, so the actor's own earlier fields are treated like anyone else's.
  const temp = '\u0000current-operation';
  const compare = reassign(oldObj, newObj, managers, temp, true, opts);
  let set = compare.modified.union(compare.added);
  if (opts.ignored) set = set.recursiveDifference(opts.ignored);
  if (opts.stripped) set = set.difference(opts.stripped);
  if (set.empty()) return false;
  const previous = managers.get(actor.id);
  // Repeated updates of the same fields (status heartbeats) keep the actor's set as it was.
  const same = previous !== undefined && set.difference(previous.set).empty();
  managers.set(actor.id, {
    manager: actor.manager, operation: actor.operation, apiVersion: actor.apiVersion, subresource: actor.subresource,
    time: previous?.time,
    set: same ? previous.set : previous ? set.union(previous.set) : set,
    stored: previous?.stored,
  });
  return true;
}

/**
 * upstream Updater.Apply: merges `config` into `live`, makes its fields the applier's, prunes
 * what the applier applied last time but no longer does (unless someone else owns it), and
 * takes changed fields from other managers, or throws the 409 conflict without force.
 * Returns the new object (live itself when nothing changed).
 */
export function recordApply(live: unknown, config: unknown, managers: Managers, applier: Omit<ManagerFields, 'set' | 'time'> & { id: string }, force: boolean, opts: UpdaterOptions): { object: unknown; changed: boolean } {
  let merged = mergeObjects(live, config, opts.type);
  const last = managers.get(applier.id);
  let set = fieldSetOf(config, opts.type);
  if (opts.ignored) set = set.recursiveDifference(opts.ignored);
  managers.set(applier.id, {
    manager: applier.manager, operation: 'Apply', apiVersion: applier.apiVersion, subresource: applier.subresource,
    time: last?.time,
    set,
  });
  if (last && !last.set.empty()) merged = prune(merged, managers, last.set, opts.type);
  reassign(live, merged, managers, applier.id, force, opts);
  const own = managers.get(applier.id)!;
  if (opts.stripped) own.set = own.set.difference(opts.stripped);
  if (own.set.empty()) managers.delete(applier.id);
  const changed = !deepEqual(live, merged);
  return { object: changed ? merged : live, changed };
}

/**
 * upstream Updater.prune: removes a field, list item or map entry iff the applier applied it
 * last time, did not apply it this time, and no manager (the applier's new set included) owns it.
 */
function prune(merged: unknown, managers: Managers, lastSet: FieldSet, type: ApplyType): unknown {
  const named = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(s, type);
  const last = named(lastSet);
  let pruned = removeItems(merged, last, type);

  // Add back what any manager owns (upstream addBackOwnedItems).
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(m.set);
  const mergedSet = named(fieldSetOf(merged, type));
  pruned = removeItems(merged, mergedSet.difference(named(fieldSetOf(pruned, type)).union(named(owned))), type);

  // Only remove what the applier applied last time (upstream addBackDanglingItems).
  const prunedSet = named(fieldSetOf(pruned, type));
  return removeItems(merged, mergedSet.difference(prunedSet).intersection(last), type);
}
