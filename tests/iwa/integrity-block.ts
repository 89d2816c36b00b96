/**
 * Reads the integrity block in front of a signed web bundle, written from the spec, not from
 * wbn-sign (github.com/WICG/webpackage, explainers/integrity-signature.md): a CBOR array
 * [magic "🖋📦", version "2b\0\0", attributes {webBundleId}, [[signature attributes, signature]...]].
 * Keeps the raw bytes each signature covers so the test can verify them with node:crypto.
 */

export interface IntegritySignature {
  readonly attributes: Record<string, Uint8Array>;
  readonly attributesBytes: Uint8Array;
  readonly signature: Uint8Array;
}

export interface IntegrityBlock {
  readonly magic: Uint8Array;
  readonly version: Uint8Array;
  readonly attributes: Record<string, unknown>;
  readonly signatures: readonly IntegritySignature[];
  /** The block as it was signed: the same bytes with an empty signature stack. */
  readonly unsignedBytes: Uint8Array;
  readonly length: number;
}

type Cbor = number | Uint8Array | string | Cbor[] | { [key: string]: Cbor };

/** A minimal CBOR reader (RFC 8949 §3): unsigned ints, byte/text strings, arrays, text-keyed maps. */
class CborReader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private byte(): number {
    const b = this.bytes[this.offset];
    if (b === undefined) throw new Error(`CBOR: truncated at offset ${this.offset}`);
    this.offset += 1;
    return b;
  }

  /** Major type and argument of the next item (§3.1). */
  head(): { major: number; value: number } {
    const initial = this.byte();
    const info = initial & 0x1f;
    let value = info;
    if (info >= 24 && info <= 27) {
      value = 0;
      for (let i = 0; i < 1 << (info - 24); i += 1) value = value * 256 + this.byte();
    } else if (info > 27) {
      throw new Error(`CBOR: additional info ${info} at offset ${this.offset - 1} not supported`);
    }
    return { major: initial >> 5, value };
  }

  item(): Cbor {
    const { major, value } = this.head();
    switch (major) {
      case 0:
        return value;
      case 2:
      case 3: {
        const end = this.offset + value;
        if (end > this.bytes.length) throw new Error(`CBOR: string of ${value} bytes past the end`);
        const raw = this.bytes.subarray(this.offset, end);
        this.offset = end;
        return major === 2 ? raw : new TextDecoder().decode(raw);
      }
      case 4:
        return Array.from({ length: value }, () => this.item());
      case 5: {
        const map: { [key: string]: Cbor } = {};
        for (let i = 0; i < value; i += 1) {
          const key = this.item();
          if (typeof key !== 'string') throw new Error(`CBOR: map key at offset ${this.offset} is not text`);
          map[key] = this.item();
        }
        return map;
      }
      default:
        throw new Error(`CBOR: major type ${major} not expected in an integrity block`);
    }
  }
}

function expectMap(value: Cbor, what: string): { [key: string]: Cbor } {
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new Error(`integrity block: ${what} is not a map`);
  }
  return value;
}

function expectBytes(value: Cbor | undefined, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error(`integrity block: ${what} is not a byte string`);
  return value;
}

export function readIntegrityBlock(bytes: Uint8Array): IntegrityBlock {
  const reader = new CborReader(bytes);
  const top = reader.head();
  if (top.major !== 4 || top.value !== 4) throw new Error('integrity block: not an array of 4');
  const magic = expectBytes(reader.item(), 'magic');
  const version = expectBytes(reader.item(), 'version');
  const attributes = expectMap(reader.item(), 'attributes');
  const stackStart = reader.offset;
  const stack = reader.head();
  if (stack.major !== 4) throw new Error('integrity block: signature stack is not an array');
  const signatures: IntegritySignature[] = [];
  for (let i = 0; i < stack.value; i += 1) {
    const pair = reader.head();
    if (pair.major !== 4 || pair.value !== 2) throw new Error(`integrity block: signature ${i} is not a pair`);
    const attributesStart = reader.offset;
    const signatureAttributes = expectMap(reader.item(), `signature ${i} attributes`);
    const attributesBytes = bytes.subarray(attributesStart, reader.offset);
    const signature = expectBytes(reader.item(), `signature ${i}`);
    const named: Record<string, Uint8Array> = {};
    for (const [name, value] of Object.entries(signatureAttributes)) named[name] = expectBytes(value, name);
    signatures.push({ attributes: named, attributesBytes, signature });
  }
  const unsignedBytes = new Uint8Array(stackStart + 1);
  unsignedBytes.set(bytes.subarray(0, stackStart));
  unsignedBytes[stackStart] = 0x80; // an empty array
  return { magic, version, attributes, signatures, unsignedBytes, length: reader.offset };
}

/** What each signature signs: (hash of the bundle, unsigned block, signature attributes), each after its 8-byte big-endian length. */
export function dataToBeSigned(webBundleSha512: Uint8Array, block: IntegrityBlock, signature: IntegritySignature): Uint8Array {
  const parts = [webBundleSha512, block.unsignedBytes, signature.attributesBytes];
  const out = new Uint8Array(parts.reduce((n, p) => n + 8 + p.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const part of parts) {
    view.setBigUint64(offset, BigInt(part.length));
    out.set(part, offset + 8);
    offset += 8 + part.length;
  }
  return out;
}
