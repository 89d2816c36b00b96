/**
 * Protocol and parameters selection, ISO/IEC 7816-3:2006 §9: PPSS PPS0 [PPS1] [PPS2] [PPS3] PCK.
 * Pure codecs; the driver sends the request in an XfrBlock right after the ATR.
 */
import { MalformedDataError } from './errors';
import { byteHex } from './atr';
import { DEFAULT_TA1 } from './atr-tables';

export type PpsErrorKind =
  | 'no-answer'
  | 'atr-again'
  | 'bad-ppss'
  | 'truncated'
  | 'reserved-bit'
  | 'pck-mismatch'
  | 'trailing-bytes'
  | 'not-echoed';

/** A PPS that breaks §9.2, or an answer that is not a successful exchange by §9.3. */
export class PpsError extends MalformedDataError {
  readonly kind: PpsErrorKind;
  constructor(kind: PpsErrorKind, what: string, offset: number, expected: string, got: string, options?: { cause?: unknown }) {
    super(what, offset, expected, got, options);
    this.kind = kind;
  }
}

export interface Pps {
  /** PPS0 b4..b1: the protocol T. */
  readonly protocol: number;
  /** Fi/Di codes, coded as TA1; absent means Fd/Dd. */
  readonly pps1: number | undefined;
  readonly pps2: number | undefined;
  readonly pps3: number | undefined;
}

/** The result of a successful exchange. */
export interface PpsOutcome {
  readonly protocol: number;
  /** Fi/Di codes now in force (bmFindexDindex): PPS1 as echoed, or 0x11 when the card left it out. */
  readonly findexDindex: number;
  /** False when the request asked for a speed and the card answered without PPS1 (Fd/Dd). */
  readonly speedAccepted: boolean;
}

const PPSS = 0xff;
const OPTIONAL_BYTES = [
  { name: 'PPS1', bit: 0x10, key: 'pps1' },
  { name: 'PPS2', bit: 0x20, key: 'pps2' },
  { name: 'PPS3', bit: 0x40, key: 'pps3' },
] as const;
/** PPS0 b8 is reserved and set to 0 (§9.2). */
const PPS0_RESERVED = 0x80;

/** PPSS, PPS0, the present PPSi, and PCK such that the exclusive-or of all bytes is zero. */
export function encodePps(pps: Pps): Uint8Array {
  let pps0 = pps.protocol & 0x0f;
  const body: number[] = [];
  for (const { bit, key } of OPTIONAL_BYTES) {
    const value = pps[key];
    if (value === undefined) continue;
    pps0 |= bit;
    body.push(value & 0xff);
  }
  const bytes = [PPSS, pps0, ...body];
  return Uint8Array.from([...bytes, bytes.reduce((x, b) => x ^ b, 0)]);
}

/** Decodes one PPS request or response; `what` names it in errors. */
export function parsePps(bytes: Uint8Array, what = 'PPS'): Pps {
  let position = 0;
  const take = (name: string): number => {
    const value = bytes[position];
    if (value === undefined) throw new PpsError('truncated', `${what} ${name}`, position, name, `end of data after ${bytes.length} bytes`);
    position++;
    return value;
  };
  const ppss = take('PPSS');
  if (ppss !== PPSS) throw new PpsError('bad-ppss', `${what} PPSS`, 0, '0xFF', byteHex(ppss));
  const pps0 = take('PPS0');
  if (pps0 & PPS0_RESERVED) throw new PpsError('reserved-bit', `${what} PPS0`, 1, 'b8 = 0', byteHex(pps0));
  const [pps1, pps2, pps3] = OPTIONAL_BYTES.map(({ name, bit }) => (pps0 & bit ? take(name) : undefined));
  const pckOffset = position;
  take('PCK');
  const xor = bytes.subarray(0, pckOffset).reduce((x, b) => x ^ b, 0);
  if (xor !== bytes[pckOffset]) throw new PpsError('pck-mismatch', `${what} PCK`, pckOffset, byteHex(xor), byteHex(bytes[pckOffset] ?? 0));
  if (position < bytes.length) {
    throw new PpsError('trailing-bytes', what, position, 'end after PCK', `${bytes.length - position} more byte(s)`);
  }
  return { protocol: pps0 & 0x0f, pps1, pps2, pps3 };
}

/**
 * Checks the card's answer to `request` (§9.3): PPSS and the protocol echoed, each of PPS1..PPS3
 * either echoed or left out (PPS1 left out = Fd/Dd). Anything else, an empty answer, or an ATR
 * (the card reset instead of answering) is a `PpsError`; the host then resets the card.
 */
export function validatePpsResponse(request: Uint8Array, response: Uint8Array): PpsOutcome {
  const sent = parsePps(request, 'PPS request');
  const first = response[0];
  if (first === undefined) throw new PpsError('no-answer', 'PPS response', 0, 'a PPS response', 'no bytes');
  if (first === 0x3b || first === 0x3f) {
    throw new PpsError('atr-again', 'PPS response', 0, 'PPSS 0xFF', `an ATR (TS ${byteHex(first)}): the card reset`);
  }
  const got = parsePps(response, 'PPS response');
  if (got.protocol !== sent.protocol) {
    throw new PpsError('not-echoed', 'PPS response PPS0', 1, `T=${sent.protocol} echoed`, `T=${got.protocol}`);
  }
  let offset = 2;
  for (const { name, key } of OPTIONAL_BYTES) {
    const answered = got[key];
    if (answered === undefined) continue;
    if (answered !== sent[key]) {
      const asked = sent[key];
      throw new PpsError('not-echoed', `PPS response ${name}`, offset, asked === undefined ? `no ${name}` : `${byteHex(asked)} or no ${name}`, byteHex(answered));
    }
    offset++;
  }
  return {
    protocol: got.protocol,
    findexDindex: got.pps1 ?? DEFAULT_TA1,
    speedAccepted: sent.pps1 === undefined || got.pps1 !== undefined,
  };
}
