// The etcd-shaped MVCC interface every store backend implements (DESIGN.md §3).
// A key's modRevision is the object's resourceVersion; revisions only grow.

export interface KeyValue {
  key: string;
  /** Serialized object (JSON text). */
  value: string;
  /** Revision at which the key was (last) created. */
  createRevision: number;
  /** Revision of the last write to the key. */
  modRevision: number;
}

export interface ListOptions {
  /** At most this many keys; 0 or undefined means all. */
  limit?: number;
  /** Only keys strictly greater than this one (continuation). */
  startAfter?: string;
  /** Read the state as of this revision (must not be compacted); default is current. */
  revision?: number;
}

export interface ListResult {
  kvs: KeyValue[];
  /** The revision the list reflects. */
  revision: number;
  /** Number of keys in the prefix after the returned ones. */
  remaining: number;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  /** The new value for put; for delete, the last value with modRevision = deletion revision. */
  kv: KeyValue;
  /** The value before this event, if any. */
  prevKv?: KeyValue;
}

export interface Watch {
  cancel(): void;
}

export type WatchHandler = (events: WatchEvent[]) => void;
/** Called once if the watch ends abnormally (e.g. the backend lost its connection). */
export type WatchErrorHandler = (err: Error) => void;
/**
 * Progress notification, as etcd's: every change up to `revision` under the watched prefix
 * has been delivered (writes elsewhere advance it too). Caches use it to know they are fresh.
 */
export type WatchProgressHandler = (revision: number) => void;

export interface Store {
  /** Current value of a key, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys under a prefix in key order. Throws CompactedError if `revision` is compacted. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Count of keys under a prefix. */
  count(prefix: string): Promise<number>;
  /** Creates a key; throws KeyExistsError if present. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces a key's value if its modRevision equals `expectedModRevision` (compare-and-swap).
   * Throws KeyNotFoundError if absent and RevisionMismatchError (with the current value) on mismatch.
   */
  update(key: string, value: string, expectedModRevision: number): Promise<KeyValue>;
  /**
   * Deletes a key, optionally only if its modRevision matches. Returns the deleted value
   * with modRevision set to the deletion revision. Throws KeyNotFoundError / RevisionMismatchError.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /**
   * Streams changes under a prefix with revision > fromRevision (replaying retained history).
   * Throws CompactedError synchronously-or-rejected if fromRevision < compacted revision.
   */
  watch(
    prefix: string,
    fromRevision: number,
    onEvents: WatchHandler,
    onError?: WatchErrorHandler,
    onProgress?: WatchProgressHandler,
  ): Promise<Watch>;
  /** Highest revision written so far. */
  currentRevision(): Promise<number>;
  /**
   * History at or below this revision is forgotten: a watch from a revision below it, or a
   * list at a revision below it, fails with CompactedError. 0 when nothing was compacted.
   */
  compactedRevision(): Promise<number>;
  /** Forgets history at or below `revision` (the latest value of every live key is kept). */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export class KeyExistsError extends Error {
  override name = 'KeyExistsError';
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
  }
}

export class KeyNotFoundError extends Error {
  override name = 'KeyNotFoundError';
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}

export class RevisionMismatchError extends Error {
  override name = 'RevisionMismatchError';
  constructor(readonly key: string, readonly current: KeyValue) {
    super(`revision mismatch for ${key}: current ${current.modRevision}`);
  }
}

export class CompactedError extends Error {
  override name = 'CompactedError';
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (oldest available ${compacted + 1})`);
  }
}
