// A watch as the client sees it: the server's newline-delimited JSON {"type","object"}
// events, decoded one by one as they arrive, with cancel() to stop.
import { StringDecoder } from 'node:string_decoder';
import type { Status } from './errors.js';
import type { StreamResponse } from './transport.js';

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  /** Only the resourceVersion (and, for the end of initial events, an annotation) is set. */
  | { type: 'BOOKMARK'; object: T }
  /** The server gave up on this watch; object is a Status (410 Expired: relist). */
  | { type: 'ERROR'; object: Status };

export interface Watch<T> extends AsyncIterable<WatchEvent<T>> {
  /** Stops the watch; iteration then ends. Idempotent. */
  cancel(): void;
}

/** Decodes a streaming response body into watch events. */
export function decodeWatch<T>(res: StreamResponse): Watch<T> {
  return {
    cancel: () => res.cancel(),
    async *[Symbol.asyncIterator]() {
      let pending = '';
      // A multi-byte character may straddle two chunks.
      const utf8 = new StringDecoder('utf8');
      try {
        for await (const chunk of res.body) {
          pending += utf8.write(chunk);
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (line) yield JSON.parse(line) as WatchEvent<T>;
          }
        }
        const last = (pending + utf8.end()).trim();
        if (last) yield JSON.parse(last) as WatchEvent<T>;
      } finally {
        // A consumer that stops iterating early must not leave the request open.
        res.cancel();
      }
    },
  };
}
