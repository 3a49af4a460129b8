/**
 * A minimal Protocol Buffers writer: just what serialising an ONNX model needs (varints, 64-bit
 * integers, floats, length-delimited bytes, strings and nested messages, packed repeated numbers).
 * Fields are written in the order they are added; nested messages are built by their own writer
 * and added as bytes.
 */

const textEncoder = new TextEncoder();

export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private scratch = new Uint8Array(256);
  private used = 0;
  private total = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.total + this.used;
  }

  /** A varint field (wire type 0): int32, int64, enum, bool. Negative numbers take ten bytes, as int64. */
  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  /** A float field (wire type 5). */
  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.raw(b);
    return this;
  }

  /** A length-delimited field (wire type 2) holding `bytes`: bytes, a nested message, a packed array. */
  bytes(field: number, bytes: Uint8Array): this {
    this.tag(field, 2);
    this.varint(bytes.length);
    this.raw(bytes);
    return this;
  }

  /** A string field, UTF-8. */
  string(field: number, text: string): this {
    return this.bytes(field, textEncoder.encode(text));
  }

  /** A nested message. */
  message(field: number, message: ProtoWriter): this {
    return this.bytes(field, message.finish());
  }

  /** A packed repeated varint field (int32, int64). Nothing is written for an empty list. */
  packedInts(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i]);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field. Nothing is written for an empty list. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    return this.bytes(field, littleEndianFloat32(values));
  }

  /** Everything written, as one array. */
  finish(): Uint8Array {
    this.flush();
    if (this.parts.length === 1) return this.parts[0];
    const out = new Uint8Array(this.total);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    this.parts.length = 0;
    this.parts.push(out);
    return out;
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 536_870_911)
      throw new RangeError(`bad protobuf field number ${field}`);
    this.varint(field * 8 + wireType);
  }

  private varint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf varint must be a safe integer, got ${value}`);
      if (value < 0) {
        this.varint(BigInt.asUintN(64, BigInt(value)));
        return;
      }
      this.room(10);
      let v = value;
      while (v >= 0x80) {
        this.scratch[this.used++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.scratch[this.used++] = v;
      return;
    }
    let v = BigInt.asUintN(64, value);
    this.room(10);
    while (v >= 0x80n) {
      this.scratch[this.used++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.scratch[this.used++] = Number(v);
  }

  /** Makes room for `n` more bytes in the scratch buffer (counted once written, in flush). */
  private room(n: number): void {
    if (this.used + n > this.scratch.length) {
      this.flush();
      if (n > this.scratch.length) this.scratch = new Uint8Array(n);
    }
  }

  private raw(bytes: Uint8Array): void {
    if (bytes.length <= 64) {
      this.room(bytes.length);
      this.scratch.set(bytes, this.used);
      this.used += bytes.length;
      return;
    }
    this.flush();
    this.parts.push(bytes);
    this.total += bytes.length;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.parts.push(this.scratch.slice(0, this.used));
    this.total += this.used;
    this.used = 0;
  }
}

/** Values as little-endian float32 bytes. */
export function littleEndianFloat32(values: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const view = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return b;
}

/** Values as little-endian float64 bytes. */
export function littleEndianFloat64(values: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const view = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return b;
}

/** Values as little-endian int64 bytes. */
export function littleEndianInt64(values: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const view = new DataView(b.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]), true);
  return b;
}
