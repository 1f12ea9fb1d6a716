// Watch: a chunked stream of {"type","object"} JSON lines, served from the watch cache.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KindDef, KubeObject } from '../../api/kinds.js';
import { apiVersionOf } from '../../api/kinds.js';
import { BadRequestError, GoneError } from '../../api/errors.js';
import { statusFor } from '../status.js';
import type { ResourceStore } from '../resource-store.js';
import type { CacheEvent, CachedObject } from '../watch-cache.js';
import { servedAsStored, toServedVersion } from '../resources.js';
import type { ObjectFilter } from '../filters.js';
import { toTable } from '../table.js';
import { cloneJson } from '../clone-json.js';
import type { LocalServerResponse, LocalWatchEvent } from '../local.js';

export interface WatchRequest {
  req: IncomingMessage;
  res: ServerResponse;
  def: KindDef;
  store: ResourceStore;
  namespace: string;
  filter: ObjectFilter | undefined;
  resourceVersion: string;
  timeoutSeconds: string | null;
  allowBookmarks: boolean;
  sendInitialEvents: string | null;
  table?: { includeObject: string };
}

/** As upstream's --min-request-timeout: watches without a timeout end after 30–60 minutes. */
const MIN_REQUEST_TIMEOUT_S = 1800;
const BOOKMARK_INTERVAL_MS = 60_000;
const WATCH_HEADERS = {
  'Content-Type': 'application/json',
  'Transfer-Encoding': 'chunked',
  'Cache-Control': 'no-cache, private',
};

export async function serveWatch(w: WatchRequest): Promise<void> {
  const { res, store, def } = w;
  const rvParam = w.resourceVersion;
  if (rvParam && rvParam !== '0' && !/^\d+$/.test(rvParam)) throw new BadRequestError(`invalid resource version: ${rvParam}`);
  let timeoutS = w.timeoutSeconds !== null ? Number(w.timeoutSeconds) : MIN_REQUEST_TIMEOUT_S * (1 + Math.random());
  if (!Number.isFinite(timeoutS) || timeoutS < 0) throw new BadRequestError(`invalid timeoutSeconds: ${w.timeoutSeconds}`);
  if (timeoutS === 0) timeoutS = MIN_REQUEST_TIMEOUT_S;
  const sendInitial = w.sendInitialEvents === 'true';
  // An in-process caller may take events as objects (see LocalRequest.objectMode); tables stay text.
  const local = res as unknown as Partial<LocalServerResponse>;
  const objectMode = !w.table && typeof local.startObjectStream === 'function' && local.startObjectStream();

  await store.fresh();
  const prefix = store.namespacePrefix(w.namespace);
  const matches = (o: CachedObject) => o.key.startsWith(prefix) && (!w.filter || w.filter(o.obj));

  // Subscribe first (throws 410 before any byte is written if the version is too old).
  const startRv = rvParam && rvParam !== '0' ? Number(rvParam) : store.cache.rv;
  const initial: CachedObject[] = [];
  const pending: CacheEvent[] = [];
  let ready = false;
  let closed = false;
  let unsubscribe: () => void;
  try {
    unsubscribe = store.cache.watchFrom(startRv, (ev) => {
      if (closed) return;
      if (!ready) pending.push(ev);
      else deliver(ev);
    });
  } catch (err) {
    if (!(err instanceof GoneError)) throw err;
    // As upstream's cacher: once the request and its resourceVersion parse, a version older
    // than the cache's window is one ERROR event (a 410 Expired Status) on a 200 stream, which
    // then ends; clients such as client-go's reflector then relist.
    res.writeHead(200, WATCH_HEADERS);
    if (objectMode) {
      local.writeEvents!([{ type: 'ERROR', object: statusFor(err) }]);
      res.end();
      return;
    }
    res.end(eventLine('ERROR', JSON.stringify(statusFor(err))));
    return;
  }
  if (!rvParam || rvParam === '0' || sendInitial) {
    for (const o of store.cache.list(prefix)) if (!w.filter || w.filter(o.obj)) initial.push(o);
  }

  res.writeHead(200, WATCH_HEADERS);
  res.flushHeaders();

  let lastRv = startRv;
  // As upstream: a table watch sends the column definitions with its first event only.
  let columnsSent = false;
  const write = (type: string, o: CachedObject | KubeObject, rv: number) => {
    lastRv = Math.max(lastRv, rv);
    if (objectMode) {
      sendObject({ type, object: 'json' in o ? objectCopy(def, o as CachedObject) : cloneJson(o) });
      return;
    }
    if (w.table) {
      const served = 'json' in o ? toServedVersion(def, (o as CachedObject).obj) : (o as KubeObject);
      const objectJson = JSON.stringify(toTable(def, [served], w.table, { resourceVersion: String(rv) }, !columnsSent));
      columnsSent = true;
      send(eventLine(type, objectJson));
    } else if ('json' in o && servedAsStored(def)) {
      send(sharedEventLine(type, o as CachedObject));
    } else {
      const objectJson = JSON.stringify('json' in o ? toServedVersion(def, (o as CachedObject).obj) : o);
      send(eventLine(type, objectJson));
    }
  };
  // Events of one store commit arrive together: they go out in one write (one syscall) at
  // the end of the current task rather than one write each.
  let queued: Buffer[] = [];
  const flushQueued = () => {
    const lines = queued;
    queued = [];
    if (closed || res.writableEnded) return;
    if (lines.length === 1) {
      res.write(lines[0]!);
      return;
    }
    res.cork();
    for (const line of lines) res.write(line);
    res.uncork();
  };
  const send = (line: Buffer) => {
    if (queued.push(line) === 1) queueMicrotask(flushQueued);
  };
  let queuedObjects: LocalWatchEvent[] = [];
  const flushObjects = () => {
    const events = queuedObjects;
    queuedObjects = [];
    if (!closed && !res.writableEnded) local.writeEvents!(events);
  };
  const sendObject = (ev: LocalWatchEvent) => {
    if (queuedObjects.push(ev) === 1) queueMicrotask(flushObjects);
  };
  const sendBookmark = (o: KubeObject) => {
    if (objectMode) sendObject({ type: 'BOOKMARK', object: o });
    else send(eventLine('BOOKMARK', JSON.stringify(o)));
  };
  const bookmark = () => {
    sendBookmark({ kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(Math.max(lastRv, store.cache.rv)) } });
  };
  function deliver(ev: CacheEvent): void {
    const now = matches(ev.object);
    const before = ev.prev ? matches(ev.prev) : false;
    if (ev.type === 'ADDED') {
      if (now) write('ADDED', ev.object, ev.rv);
    } else if (ev.type === 'MODIFIED') {
      // As upstream's cacher: an object entering or leaving the selection is ADDED/DELETED.
      if (now && before) write('MODIFIED', ev.object, ev.rv);
      else if (now) write('ADDED', ev.object, ev.rv);
      else if (before) write('DELETED', ev.object, ev.rv);
    } else if (before || now) {
      write('DELETED', ev.object, ev.rv);
    }
  }

  for (const o of initial) write('ADDED', o, o.rv);
  if (sendInitial && w.allowBookmarks) {
    sendBookmark({ kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(store.cache.rv), annotations: { 'k8s.io/initial-events-end': 'true' } } });
  }
  ready = true;
  for (const ev of pending.splice(0)) deliver(ev);

  await new Promise<void>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (closed) return;
      if (queued.length > 0 && !res.writableEnded) flushQueued();
      if (queuedObjects.length > 0 && !res.writableEnded) flushObjects();
      closed = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      clearInterval(bookmarks);
      if (!res.writableEnded) res.end();
      resolve();
    };
    const bookmarks = setInterval(() => {
      if (w.allowBookmarks) bookmark();
    }, BOOKMARK_INTERVAL_MS);
    timers.push(setTimeout(finish, timeoutS * 1000));
    w.req.on('close', finish);
    res.on('close', finish);
    res.on('error', finish);
  });
}

/** One line of the watch stream: an event of `type` carrying the object's JSON. */
function eventLine(type: string, objectJson: string): Buffer {
  return Buffer.from(`{"type":"${type}","object":${objectJson}}\n`);
}

/**
 * The encoded line of a watch event, made once for all the watchers it goes to: the watch
 * cache hands one event to each of its listeners in turn, so the last line made is the one
 * the next watcher wants (a pod's events go to the scheduler, kubelets and other watchers).
 */
let lastLine: { type: string; object: CachedObject; line: Buffer } | undefined;
function sharedEventLine(type: string, object: CachedObject): Buffer {
  if (lastLine?.object !== object || lastLine.type !== type) {
    lastLine = { type, object, line: eventLine(type, object.json) };
  }
  return lastLine.line;
}

/**
 * The caller's own copy of a cached object as served, shaped as its JSON text is (where
 * the stored text puts the resourceVersion first in metadata).
 */
function objectCopy(def: KindDef, o: CachedObject): KubeObject {
  if (!servedAsStored(def)) return cloneJson(toServedVersion(def, o.obj));
  const copy = cloneJson(o.obj);
  const meta = copy.metadata;
  if (o.raw !== undefined && meta && 'resourceVersion' in meta) {
    const { resourceVersion, ...rest } = meta;
    copy.metadata = { resourceVersion, ...rest };
  }
  return copy;
}
