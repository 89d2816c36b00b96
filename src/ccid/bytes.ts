/**
 * Little-endian byte layouts, declared once. CCID (USB CCID 1.1 §6) and USB descriptors are
 * little-endian everywhere; nothing else in the driver calls DataView with an endianness flag.
 */
import { MalformedDataError } from './errors';

export type FieldType = 'u8' | 'u16' | 'u32';

const SIZE: Record<FieldType, number> = { u8: 1, u16: 2, u32: 4 };

/** A fixed layout: field name → [offset, type]. */
export type Layout = Readonly<Record<string, readonly [offset: number, type: FieldType]>>;

export type Decoded<L extends Layout> = { [K in keyof L]: number };

export function layoutSize(layout: Layout): number {
  let end = 0;
  for (const [offset, type] of Object.values(layout)) end = Math.max(end, offset + SIZE[type]);
  return end;
}

/** Reads every field of `layout` at `base`; the caller has checked the length. */
export function readLayout<L extends Layout>(layout: L, bytes: Uint8Array, base = 0): Decoded<L> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, number> = {};
  for (const [name, [offset, type]] of Object.entries(layout)) {
    const at = base + offset;
    out[name] = type === 'u8' ? view.getUint8(at) : type === 'u16' ? view.getUint16(at, true) : view.getUint32(at, true);
  }
  return out as Decoded<L>;
}

/** Writes every field of `layout` at `base`; values are truncated to the field's width. */
export function writeLayout<L extends Layout>(layout: L, values: Decoded<L>, bytes: Uint8Array, base = 0): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [name, [offset, type]] of Object.entries(layout)) {
    const at = base + offset;
    const value = values[name] ?? 0;
    if (type === 'u8') view.setUint8(at, value & 0xff);
    else if (type === 'u16') view.setUint16(at, value & 0xffff, true);
    else view.setUint32(at, value >>> 0, true);
  }
}

/** Throws a typed error unless `bytes` holds at least `needed` bytes from `offset`. */
export function requireLength(what: string, bytes: Uint8Array, offset: number, needed: number): void {
  if (bytes.length < offset + needed) {
    throw new MalformedDataError(what, bytes.length, `${offset + needed} bytes`, `${bytes.length} bytes`);
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One byte as two upper-case hex digits, e.g. 0x0b → "0B". */
export function hexByte(value: number): string {
  return (value & 0xff).toString(16).padStart(2, '0').toUpperCase();
}

export function toHex(bytes: Uint8Array, separator = ' '): string {
  return Array.from(bytes, hexByte).join(separator);
}

/** Parses "3B F0 13" or "3bf013" into bytes; throws on an odd count or a non-hex character. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) {
    throw new MalformedDataError('hex string', 0, 'pairs of hex digits', JSON.stringify(text.slice(0, 40)));
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
