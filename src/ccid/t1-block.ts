/**
 * ISO/IEC 7816-3 §11.3 T=1 block frame: prologue (NAD, PCB, LEN), INF (0..254 bytes), epilogue
 * (EDC: LRC, 1 byte, or CRC, 2 bytes, chosen by TC3 of the ATR, §11.4.4). Pure codec.
 */
import { MalformedDataError } from './errors';
import { toHex } from './bytes';

export type T1Edc = 'lrc' | 'crc';

/** R-block error bits b4..b1 (§11.3.2.2): 0 error-free, 1 EDC or parity error, 2 other errors. */
export type T1RError = 'none' | 'edc' | 'other';

/** S-block function b5..b1 (§11.3.2.2); b6 tells request (0) from response (1). */
export type T1SType = 'RESYNCH' | 'IFS' | 'ABORT' | 'WTX';

export type T1Block =
  | { kind: 'I'; nad: number; ns: 0 | 1; more: boolean; inf: Uint8Array }
  | { kind: 'R'; nad: number; nr: 0 | 1; error: T1RError }
  | { kind: 'S'; nad: number; type: T1SType; response: boolean; inf: Uint8Array };

/** What was wrong with a block; only 'edc' is reported back with the EDC error bits (§11.6.3.2 Rule 7.1). */
export type T1BlockFault = 'length' | 'edc' | 'nad' | 'pcb' | 'inf' | 'protocol';

/** A T=1 block that breaks §11.3 (or, with fault 'protocol', a valid block the card must not send now). */
export class T1BlockError extends MalformedDataError {
  readonly fault: T1BlockFault;
  constructor(fault: T1BlockFault, what: string, offset: number, expected: string, got: string) {
    super(what, offset, expected, got);
    this.fault = fault;
  }
}

export const MAX_INF = 254;
const PROLOGUE = 3;
const R_ERRORS: readonly T1RError[] = ['none', 'edc', 'other'];
const S_TYPES: readonly T1SType[] = ['RESYNCH', 'IFS', 'ABORT', 'WTX'];

/** Longitudinal redundancy check: exclusive-or of all bytes (§11.4.4). */
export function lrc(bytes: Uint8Array): number {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

/**
 * The 16-bit frame check sequence of ISO/IEC 13239 (formerly ISO 3309), named by §11.4.4 for CRC:
 * generator x^16 + x^12 + x^5 + 1, register preset to FFFF, bits taken least significant first
 * (reflected polynomial 0x8408), result complemented ("CRC-16/X-25", check value 906E over
 * ASCII "123456789"). In a block the low-order byte is sent first, as HDLC sends its FCS.
 * Some PC/SC stacks omit the final complement and send the high byte first; the eCard uses LRC.
 */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return ~crc & 0xffff;
}

function edcLength(edc: T1Edc): number {
  return edc === 'lrc' ? 1 : 2;
}

function edcBytes(edc: T1Edc, covered: Uint8Array): Uint8Array {
  if (edc === 'lrc') return Uint8Array.of(lrc(covered));
  const crc = crc16(covered);
  return Uint8Array.of(crc & 0xff, crc >>> 8);
}

function pcbOf(block: T1Block): number {
  switch (block.kind) {
    case 'I':
      return (block.ns << 6) | (block.more ? 0x20 : 0);
    case 'R':
      return 0x80 | (block.nr << 4) | R_ERRORS.indexOf(block.error);
    case 'S':
      return 0xc0 | (block.response ? 0x20 : 0) | S_TYPES.indexOf(block.type);
  }
}

/**
 * Builds the bytes of a block (prologue + INF + EDC). Throws T1BlockError for a block that
 * `decodeBlock` would reject (INF too long, S-block INF of the wrong size, IFS 0 or 255, NAD FF).
 */
export function encodeBlock(block: T1Block, edc: T1Edc): Uint8Array {
  const inf = block.kind === 'R' ? new Uint8Array(0) : block.inf;
  if (inf.length > MAX_INF) {
    throw new T1BlockError('length', 'T=1 block to send', PROLOGUE, `INF of 0..${MAX_INF} bytes`, `${inf.length} bytes`);
  }
  const covered = new Uint8Array(PROLOGUE + inf.length);
  covered[0] = block.nad;
  covered[1] = pcbOf(block);
  covered[2] = inf.length;
  covered.set(inf, PROLOGUE);
  const epilogue = edcBytes(edc, covered);
  const bytes = new Uint8Array(covered.length + epilogue.length);
  bytes.set(covered);
  bytes.set(epilogue, covered.length);
  decodeBlock(bytes, edc); // the same rules bind what we send and what we accept
  return bytes;
}

/** Parses one whole block as a reader returns it from the card. Every violation is a T1BlockError. */
export function decodeBlock(bytes: Uint8Array, edc: T1Edc): T1Block {
  const what = 'T=1 block';
  const edcLen = edcLength(edc);
  if (bytes.length < PROLOGUE + edcLen) {
    throw new T1BlockError('length', what, bytes.length, `at least ${PROLOGUE + edcLen} bytes`, `${bytes.length} bytes`);
  }
  const [nad = 0, pcb = 0, len = 0] = bytes;
  // §11.3.2.3: LEN 'FF' is reserved for future use.
  if (len === 0xff) throw new T1BlockError('length', `${what} LEN`, 2, `0..${MAX_INF}`, '255');
  const total = PROLOGUE + len + edcLen;
  if (bytes.length !== total) {
    throw new T1BlockError('length', what, 2, `${total} bytes for LEN ${len}`, `${bytes.length} bytes`);
  }
  const covered = bytes.subarray(0, PROLOGUE + len);
  const want = edcBytes(edc, covered);
  const got = bytes.subarray(PROLOGUE + len);
  if (want.some((b, i) => b !== got[i])) {
    throw new T1BlockError('edc', `${what} ${edc.toUpperCase()}`, PROLOGUE + len, toHex(want), toHex(got));
  }
  // §11.3.2.1: NAD 'FF' is invalid (it would be the PPSS character).
  if (nad === 0xff) throw new T1BlockError('nad', `${what} NAD`, 0, 'not FF', 'FF');
  const inf = bytes.slice(PROLOGUE, PROLOGUE + len);

  if ((pcb & 0x80) === 0) {
    // I-block: 0 N(S) M 00000 (§11.3.2.2, b5..b1 reserved).
    if ((pcb & 0x1f) !== 0) throw new T1BlockError('pcb', `${what} I-block PCB`, 1, '00, 20, 40 or 60', toHex(Uint8Array.of(pcb)));
    return { kind: 'I', nad, ns: pcb & 0x40 ? 1 : 0, more: (pcb & 0x20) !== 0, inf };
  }
  if ((pcb & 0x40) === 0) {
    // R-block: 1 0 0 N(R) b4..b1 = 0000 | 0001 | 0010, INF absent.
    const error = R_ERRORS[pcb & 0x0f];
    if ((pcb & 0x20) !== 0 || error === undefined) {
      throw new T1BlockError('pcb', `${what} R-block PCB`, 1, '80..82 or 90..92', toHex(Uint8Array.of(pcb)));
    }
    if (len !== 0) throw new T1BlockError('inf', `${what} R-block LEN`, 2, '0', String(len));
    return { kind: 'R', nad, nr: pcb & 0x10 ? 1 : 0, error };
  }
  // S-block: 1 1 response b5..b1 = 00000 RESYNCH | 00001 IFS | 00010 ABORT | 00011 WTX.
  const type = S_TYPES[pcb & 0x1f];
  if (type === undefined) {
    throw new T1BlockError('pcb', `${what} S-block PCB`, 1, 'C0..C3 or E0..E3', toHex(Uint8Array.of(pcb)));
  }
  const infLength = type === 'IFS' || type === 'WTX' ? 1 : 0;
  if (len !== infLength) throw new T1BlockError('inf', `${what} S(${type}) LEN`, 2, String(infLength), String(len));
  const value = inf[0];
  // §11.4.2: IFS values '00' and 'FF' are reserved.
  if (type === 'IFS' && (value === 0 || value === 0xff)) {
    throw new T1BlockError('inf', `${what} S(IFS) value`, PROLOGUE, `1..${MAX_INF}`, String(value));
  }
  // Rule 3: INF of S(WTX) is a multiplier of BWT; zero would allow no time at all.
  if (type === 'WTX' && value === 0) throw new T1BlockError('inf', `${what} S(WTX) multiplier`, PROLOGUE, '1..255', '0');
  return { kind: 'S', nad, type, response: (pcb & 0x20) !== 0, inf };
}
