// A minimal protocol buffers (proto3) encoder: length-delimited fields (strings, nested
// messages) and varint booleans are all the OpenAPI v2 document needs. Default values
// (empty string, false, absent message) are omitted, as proto3 encoders do.
//
// Everything is written into one growing buffer: a nested message reserves one byte for
// its length, is written in place, and is shifted right in the rare case its length needs
// more bytes. The v2 document has hundreds of thousands of fields; a chunk per field (or a
// buffer per message) left tens of MiB of small native allocations behind.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const INITIAL_SIZE = 64 * 1024;

export class ProtoWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = INITIAL_SIZE) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** A string field; skipped when empty. */
  string(field: number, value: string | undefined): this {
    if (value) this.stringPresent(field, value);
    return this;
  }

  /** One entry per string of a repeated string field. */
  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) this.stringPresent(field, v);
    return this;
  }

  /** A bool field; skipped when false. */
  bool(field: number, value: boolean | undefined): this {
    return value ? this.boolPresent(field, true) : this;
  }

  /** A bool field written even when false (a member of a oneof). */
  boolPresent(field: number, value: boolean): this {
    this.varint((field << 3) | WIRE_VARINT);
    this.varint(value ? 1 : 0);
    return this;
  }

  /**
   * A nested message written by `write` (which receives this writer); always emitted (an
   * empty message still marks presence).
   */
  message(field: number, write: (w: ProtoWriter) => void): this {
    this.varint((field << 3) | WIRE_LEN);
    this.ensure(1);
    const lengthAt = this.pos++;
    write(this);
    const length = this.pos - lengthAt - 1;
    const extra = varintSize(length) - 1;
    if (extra > 0) {
      this.ensure(extra);
      this.buf.copyWithin(lengthAt + 1 + extra, lengthAt + 1, this.pos);
      this.pos += extra;
    }
    writeVarintAt(this.buf, lengthAt, length);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.varint((field << 3) | WIRE_LEN);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  /** The encoded message in a buffer of its exact size; the writer is empty afterwards. */
  finish(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    return out;
  }

  private stringPresent(field: number, value: string): void {
    this.varint((field << 3) | WIRE_LEN);
    const length = Buffer.byteLength(value);
    this.varint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, length, 'utf8');
  }

  private varint(n: number): void {
    this.ensure(10);
    this.pos = writeVarintAt(this.buf, this.pos, n);
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2 || INITIAL_SIZE;
    while (size < this.pos + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

function varintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes `n` as a varint at `at`; returns the position after it. */
function writeVarintAt(buf: Buffer, at: number, n: number): number {
  while (n > 0x7f) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}
