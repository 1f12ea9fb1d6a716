// How the items of a non-atomic list are identified (upstream typed.listItemToPathElement):
// items of a list-map by their key fields (missing keys take their schema default), items of a
// set by their value.
import { isObject, type Json } from './json-value.js';
import { keyElement, serializePathElement, type PathElement } from './path-element.js';
import type { ListType } from './type-schema.js';

/** The path element of one item; throws (as upstream) when the item cannot be identified. */
export function listItemElement(list: ListType, item: unknown): PathElement {
  if (list.keys.length > 0) {
    if (!isObject(item)) throw new Error('associative list with keys may not have non-map elements');
    const key: Record<string, Json> = {};
    for (const k of list.keys) {
      if (Object.hasOwn(item, k)) key[k] = item[k]!;
      else if (list.keyDefaults[k] !== undefined) key[k] = list.keyDefaults[k]!;
    }
    if (Object.keys(key).length === 0) {
      throw new Error(`associative list with keys has an element that omits all key fields ${JSON.stringify(list.keys)} (and doesn't have default values for any key fields)`);
    }
    return keyElement(key);
  }
  if (item === null || typeof item === 'object') {
    throw new Error('associative list without keys has an element that is not a scalar');
  }
  return { value: item as Json };
}

export interface IndexedItem { readonly pe: PathElement; readonly id: string; readonly value: unknown }

/**
 * The identified items of a list, or undefined when some item cannot be identified: such a
 * list is then handled as atomic rather than failing the request.
 */
export function indexListItems(list: ListType, items: readonly unknown[]): IndexedItem[] | undefined {
  const out: IndexedItem[] = [];
  for (const value of items) {
    let pe: PathElement;
    try {
      pe = listItemElement(list, value);
    } catch {
      return undefined;
    }
    out.push({ pe, id: serializePathElement(pe), value });
  }
  return out;
}
