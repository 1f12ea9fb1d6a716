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
      if (res.events) {
        try {
          for await (const event of res.events) yield event as WatchEvent<T>;
        } finally {
          res.cancel();
        }
        return;
      }
      let pending = '';
      // A multi-byte character may straddle two chunks.
      const utf8 = new StringDecoder('utf8');
      try {
        for await (const chunk of res.body) {
          const text = pending + utf8.write(chunk);
          // A chunk often holds many events: parse them in place, keep only the unfinished tail.
          let start = 0;
          let nl: number;
          while ((nl = text.indexOf('\n', start)) >= 0) {
            const event = parseLine(text, start, nl);
            start = nl + 1;
            if (event) yield event as WatchEvent<T>;
          }
          pending = start === 0 ? text : text.slice(start);
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

/** The event on text[from, to), or undefined for a blank line. */
function parseLine(text: string, from: number, to: number): unknown {
  const line = text.slice(from, to);
  return line.trim() ? JSON.parse(line) : undefined;
}
