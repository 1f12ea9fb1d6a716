// Writes a large JSON document piece by piece — each map entry is built, stringified and
// dropped before the next — so neither the whole object tree nor the whole text is ever on
// the JS heap. Holding either made V8 grow its young generation and kept tens of MiB of
// RSS after the first OpenAPI request. The output is the same JSON as JSON.stringify of
// the equivalent tree (same members, same order, no whitespace).

/** Where the pieces go: a buffer being filled, or a hash being updated. */
export type JsonSink = (piece: string) => void;

/** A map written entry by entry: each value is produced only when its entry is written. */
export function writeMap<T>(out: JsonSink, entries: Iterable<T>, entry: (item: T) => [key: string, value: unknown]): void {
  out('{');
  let first = true;
  for (const item of entries) {
    const [key, value] = entry(item);
    if (value === undefined) continue;
    out(`${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(value)}`);
    first = false;
  }
  out('}');
}

/** Collects pieces into one UTF-8 buffer of exactly the document's size. */
export class JsonBufferSink {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;
  readonly write: JsonSink = (piece) => {
    const length = Buffer.byteLength(piece);
    if (this.pos + length > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.pos + length) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    this.pos += this.buf.write(piece, this.pos, length, 'utf8');
  };

  finish(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    return out;
  }
}
