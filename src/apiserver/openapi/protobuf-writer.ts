// A minimal protocol buffers (proto3) encoder: length-delimited fields (strings, nested
// messages) and varint booleans are all the OpenAPI v2 document needs. Default values
// (empty string, false, absent message) are omitted, as proto3 encoders do.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const utf8 = new TextEncoder();

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  /** A string field; skipped when empty. */
  string(field: number, value: string | undefined): this {
    if (value) this.bytes(field, utf8.encode(value));
    return this;
  }

  /** One entry per string of a repeated string field. */
  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) this.bytes(field, utf8.encode(v));
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

  /** A nested message written by `write`; always emitted (an empty message still marks presence). */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  bytes(field: number, data: Uint8Array): this {
    this.varint((field << 3) | WIRE_LEN);
    this.varint(data.length);
    this.push(data);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private varint(n: number): void {
    const bytes: number[] = [];
    while (n > 0x7f) {
      bytes.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    bytes.push(n);
    this.push(Uint8Array.from(bytes));
  }

  private push(data: Uint8Array): void {
    this.chunks.push(data);
    this.size += data.length;
  }
}
