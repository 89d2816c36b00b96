/**
 * The wire form of one ISO/IEC 7816-3 §11.3 T=1 block, as the simulator's card and reader see it:
 * NAD PCB LEN INF EDC. Written for the simulator on its own (the driver has its own codec, so
 * neither can hide the other's bugs). Pure functions.
 */
import { MalformedDataError } from '../ccid/errors';
import { toHex } from '../ccid/bytes';

export type Edc = 'lrc' | 'crc';
export type RBlockError = 'none' | 'edc' | 'other';
export type SBlockKind = 'resynch' | 'ifs' | 'abort' | 'wtx';

export type IBlock = { readonly type: 'I'; readonly nad: number; readonly ns: 0 | 1; readonly more: boolean; readonly inf: Uint8Array };
export type RBlock = { readonly type: 'R'; readonly nad: number; readonly nr: 0 | 1; readonly error: RBlockError };
export type SBlock = {
  readonly type: 'S';
  readonly nad: number;
  readonly kind: SBlockKind;
  readonly response: boolean;
  readonly inf: Uint8Array;
};
export type T1Block = IBlock | RBlock | SBlock;

/** §11.3.2.3: LEN 00..FE; FF is reserved. */
export const T1_MAX_INF = 254;
/** §11.4.2: IFSC and IFSD are 32 until the ATR or an S(IFS) exchange says otherwise. */
export const T1_DEFAULT_IFS = 32;

/** The EDC of a received block does not match its content (answered with R-block error 1). */
export class T1EdcError extends MalformedDataError {}

// PCB b4..b1 of an R-block (§11.3.2.2) and b5..b1 of an S-block, by code.
const R_ERRORS: readonly RBlockError[] = ['none', 'edc', 'other'];
const S_KINDS: readonly SBlockKind[] = ['resynch', 'ifs', 'abort', 'wtx'];

export const iBlock = (ns: 0 | 1, inf: Uint8Array, more = false, nad = 0): IBlock => ({ type: 'I', nad, ns, more, inf });
export const rBlock = (nr: 0 | 1, error: RBlockError = 'none', nad = 0): RBlock => ({ type: 'R', nad, nr, error });
export const sBlock = (kind: SBlockKind, response: boolean, inf: Uint8Array = new Uint8Array(0), nad = 0): SBlock => ({
  type: 'S',
  nad,
  kind,
  response,
  inf,
});

export function edcLength(edc: Edc): 1 | 2 {
  return edc === 'lrc' ? 1 : 2;
}

/** §11.4.4: LRC = exclusive-or of every byte of the prologue and the information field. */
export function lrc(bytes: Uint8Array): number {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

/**
 * §11.4.4 names the CRC of ISO/IEC 13239 (the HDLC frame check sequence): generator
 * x^16 + x^12 + x^5 + 1, preset FFFF, bits least significant first, result complemented
 * (check value 906E over ASCII "123456789"). Sent low-order byte first, as HDLC sends its FCS.
 * Note: libccid and OpenCT omit the complement and send the high byte first.
 */
export function crc(bytes: Uint8Array): number {
  let reg = 0xffff;
  for (const b of bytes) {
    reg ^= b;
    for (let bit = 0; bit < 8; bit++) reg = reg & 1 ? (reg >>> 1) ^ 0x8408 : reg >>> 1;
  }
  return ~reg & 0xffff;
}

export function computeEdc(edc: Edc, covered: Uint8Array): Uint8Array {
  if (edc === 'lrc') return Uint8Array.of(lrc(covered));
  const value = crc(covered);
  return Uint8Array.of(value & 0xff, value >>> 8);
}

function pcbOf(block: T1Block): number {
  switch (block.type) {
    case 'I':
      return (block.ns << 6) | (block.more ? 0x20 : 0);
    case 'R':
      return 0x80 | (block.nr << 4) | R_ERRORS.indexOf(block.error);
    case 'S':
      return 0xc0 | (block.response ? 0x20 : 0) | S_KINDS.indexOf(block.kind);
  }
}

function infOf(block: T1Block): Uint8Array {
  return block.type === 'R' ? new Uint8Array(0) : block.inf;
}

/** Encodes a block; throws MalformedDataError for an INF longer than 254 bytes or a NAD of FF. */
export function encodeT1Block(block: T1Block, edc: Edc): Uint8Array {
  const inf = infOf(block);
  if (inf.length > T1_MAX_INF) throw new MalformedDataError('T=1 INF to send', 3, `at most ${T1_MAX_INF} bytes`, `${inf.length} bytes`);
  if (block.nad < 0 || block.nad > 0xfe) throw new MalformedDataError('T=1 NAD to send', 0, '00..FE', String(block.nad));
  const body = new Uint8Array(3 + inf.length);
  body[0] = block.nad;
  body[1] = pcbOf(block);
  body[2] = inf.length;
  body.set(inf, 3);
  const out = new Uint8Array(body.length + edcLength(edc));
  out.set(body);
  out.set(computeEdc(edc, body), body.length);
  return out;
}

const hex2 = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');

/**
 * Decodes one block. Throws T1EdcError when the EDC is wrong, and MalformedDataError (with the
 * offset of the faulty byte) for any other invalid block: bad length, NAD FF, LEN FF, a PCB with
 * reserved bits or an S-block whose INF does not fit its function (§11.3).
 */
export function decodeT1Block(bytes: Uint8Array, edc: Edc): T1Block {
  const edcLen = edcLength(edc);
  if (bytes.length < 3 + edcLen) {
    throw new MalformedDataError('T=1 block', bytes.length, `at least ${3 + edcLen} bytes`, `${bytes.length} bytes`);
  }
  const nad = bytes[0] ?? 0;
  const pcb = bytes[1] ?? 0;
  const len = bytes[2] ?? 0;
  if (nad === 0xff) throw new MalformedDataError('T=1 NAD', 0, 'not FF (reserved for PPSS)', 'FF');
  if (len === 0xff) throw new MalformedDataError('T=1 LEN', 2, '00..FE', 'FF');
  if (bytes.length !== 3 + len + edcLen) {
    throw new MalformedDataError('T=1 block', 2, `${3 + len + edcLen} bytes (LEN ${len})`, `${bytes.length} bytes`);
  }
  const covered = bytes.subarray(0, 3 + len);
  const expected = computeEdc(edc, covered);
  const got = bytes.subarray(3 + len);
  if (toHex(expected) !== toHex(got)) throw new T1EdcError('T=1 EDC', 3 + len, toHex(expected), toHex(got));
  const inf = bytes.slice(3, 3 + len);

  if ((pcb & 0x80) === 0) {
    if (pcb & 0x1f) throw new MalformedDataError('T=1 I-block PCB', 1, 'b5..b1 = 0', hex2(pcb));
    return iBlock(((pcb >> 6) & 1) as 0 | 1, inf, (pcb & 0x20) !== 0, nad);
  }
  if ((pcb & 0x40) === 0) {
    const error = R_ERRORS[pcb & 0x0f];
    if (pcb & 0x20 || error === undefined) throw new MalformedDataError('T=1 R-block PCB', 1, '8x or 9x with b4..b1 in 0..2', hex2(pcb));
    if (len !== 0) throw new MalformedDataError('T=1 R-block LEN', 2, '00', hex2(len));
    return rBlock(((pcb >> 4) & 1) as 0 | 1, error, nad);
  }
  const kind = S_KINDS[pcb & 0x1f];
  if (kind === undefined) throw new MalformedDataError('T=1 S-block PCB', 1, 'C0..C3 or E0..E3', hex2(pcb));
  const block = sBlock(kind, (pcb & 0x20) !== 0, inf, nad);
  checkSInf(block);
  return block;
}

/** §11.3.2.2: S(IFS) carries one byte 01..FE, S(WTX) one byte multiplier (01..FF), the others none. */
function checkSInf(block: SBlock): void {
  const len = block.inf.length;
  if (block.kind === 'resynch' || block.kind === 'abort') {
    if (len !== 0) throw new MalformedDataError(`T=1 S(${block.kind}) LEN`, 2, '00', hex2(len));
    return;
  }
  if (len !== 1) throw new MalformedDataError(`T=1 S(${block.kind}) LEN`, 2, '01', hex2(len));
  const value = block.inf[0] ?? 0;
  const max = block.kind === 'ifs' ? T1_MAX_INF : 0xff;
  if (value < 1 || value > max) throw new MalformedDataError(`T=1 S(${block.kind}) INF`, 3, `01..${hex2(max)}`, hex2(value));
}

/** Short form for logs and messages: "I(0,M) 5 bytes", "R(1,edc)", "S(ifs request FE)". */
export function describeT1Block(block: T1Block): string {
  switch (block.type) {
    case 'I':
      return `I(${block.ns}${block.more ? ',M' : ''}) ${block.inf.length} bytes`;
    case 'R':
      return `R(${block.nr}${block.error === 'none' ? '' : `,${block.error}`})`;
    case 'S':
      return `S(${block.kind} ${block.response ? 'response' : 'request'}${block.inf.length ? ` ${toHex(block.inf)}` : ''})`;
  }
}
