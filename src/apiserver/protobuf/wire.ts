// The protocol buffers wire format, just the parts Kubernetes messages use: varints
// (int32, int64, bool), length-delimited fields (strings, bytes, messages, map entries,
// packed repeated scalars) and, for completeness, the fixed 32/64-bit encodings.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export class ProtobufWireError extends Error {
  override readonly name = 'ProtobufWireError';
}

export interface WireField {
  field: number;
  wire: number;
  /** The varint value (wire 0) read as a signed 64-bit integer, as int32 and int64 fields are. */
  int: number;
  /** The payload of a length-delimited field (wire 2). */
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** Reads the fields of one message in wire order. */
export class WireReader {
  private at = 0;

  constructor(private readonly buf: Uint8Array) {}

  *fields(): Generator<WireField> {
    while (this.at < this.buf.length) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (field === 0) throw new ProtobufWireError('field number 0 is invalid');
      switch (wire) {
        case WIRE_VARINT:
          yield { field, wire, int: this.varint(), bytes: EMPTY };
          break;
        case WIRE_LEN: {
          const len = this.varint();
          yield { field, wire, int: 0, bytes: this.take(len) };
          break;
        }
        case WIRE_FIXED64:
        case WIRE_FIXED32:
          yield { field, wire, int: 0, bytes: this.take(wire === WIRE_FIXED64 ? 8 : 4) };
          break;
        default:
          throw new ProtobufWireError(`unsupported wire type ${wire} for field ${field}`);
      }
    }
  }

  /** Reads the varints of a packed repeated scalar field's payload. */
  static packedVarints(payload: Uint8Array): number[] {
    const r = new WireReader(payload);
    const out: number[] = [];
    while (r.at < payload.length) out.push(r.varint());
    return out;
  }

  /** A varint as a signed 64-bit number; plain arithmetic up to 7 bytes, BigInt beyond. */
  private varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (this.at >= this.buf.length) throw new ProtobufWireError('unexpected end of data in varint');
      const b = this.buf[this.at++];
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    // Large values and negative numbers (always ten bytes) take the exact path.
    let big = BigInt(result);
    let shift = 49n;
    for (;;) {
      if (this.at >= this.buf.length) throw new ProtobufWireError('unexpected end of data in varint');
      const b = this.buf[this.at++];
      big |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return Number(BigInt.asIntN(64, big));
      shift += 7n;
      if (shift > 63n) throw new ProtobufWireError('varint is too long');
    }
  }

  private take(len: number): Uint8Array {
    if (len < 0 || this.at + len > this.buf.length) throw new ProtobufWireError('unexpected end of data in field');
    const out = this.buf.subarray(this.at, this.at + len);
    this.at += len;
    return out;
  }
}

/** Builds a message from fields appended in order, into one growing buffer. */
export class WireWriter {
  private buf = Buffer.allocUnsafe(64);
  private at = 0;

  varint(field: number, value: number | bigint | boolean): this {
    this.key(field, WIRE_VARINT);
    if (typeof value === 'boolean') this.rawVarint(value ? 1 : 0);
    else if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) this.rawVarint(value);
    else this.bigVarint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.rawVarint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.at);
    this.at += data.length;
    return this;
  }

  string(field: number, value: string): this {
    this.key(field, WIRE_LEN);
    const len = Buffer.byteLength(value, 'utf8');
    this.rawVarint(len);
    this.ensure(len);
    this.at += this.buf.write(value, this.at, 'utf8');
    return this;
  }

  fixed64(field: number, value: number): this {
    this.key(field, WIRE_FIXED64);
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.at);
    this.at += 8;
    return this;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  private key(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(n: number): void {
    this.ensure(10);
    while (n > 0x7f) {
      this.buf[this.at++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.at++] = n;
  }

  private bigVarint(n: bigint): void {
    this.ensure(10);
    while (n > 0x7fn) {
      this.buf[this.at++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.at++] = Number(n);
  }

  private ensure(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + extra));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}
