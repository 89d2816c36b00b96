/**
 * Command APDU cases of ISO/IEC 7816-4 §5.1 (command-response pairs): a 4-byte header, then
 * nothing (case 1), Le (case 2), Lc + data (case 3) or Lc + data + Le (case 4), each short
 * (one-byte Lc / Le) or extended (Lc in three bytes 00 XX XX; Le in three bytes without Lc, two with it).
 */
import { MalformedDataError } from './errors';

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  case: 1 | 2 | 3 | 4;
  extended: boolean;
  data: Uint8Array;
  /** Ne: 0 when absent (cases 1, 3); a short Le 00 is 256, an extended Le 0000 is 65,536. */
  le: number;
}

/** A command APDU whose length fields do not match its length. */
export class MalformedApduError extends MalformedDataError {}

const HEADER = 4;

export function parseCommandApdu(apdu: Uint8Array): CommandApdu {
  const what = 'command APDU';
  const n = apdu.length;
  if (n < HEADER) throw new MalformedApduError(what, n, 'at least 4 bytes (CLA INS P1 P2)', `${n} bytes`);
  const [cla = 0, ins = 0, p1 = 0, p2 = 0, b5] = apdu;
  const header = { cla, ins, p1, p2 };
  const none = new Uint8Array(0);
  if (b5 === undefined) return { ...header, case: 1, extended: false, data: none, le: 0 };
  if (n === 5) return { ...header, case: 2, extended: false, data: none, le: b5 || 256 };
  if (b5 !== 0) {
    // Short Lc = b5, then data, then maybe a short Le.
    const end = HEADER + 1 + b5;
    const data = apdu.slice(HEADER + 1, end);
    if (n === end) return { ...header, case: 3, extended: false, data, le: 0 };
    if (n === end + 1) return { ...header, case: 4, extended: false, data, le: apdu[end] || 256 };
    throw new MalformedApduError(`${what} (short Lc ${b5})`, n, `${end} or ${end + 1} bytes`, `${n} bytes`);
  }
  // b5 = 00 with more bytes: an extended length field follows.
  if (n < 7) throw new MalformedApduError(`${what} (extended length)`, n, '7 bytes or more', `${n} bytes`);
  const word = (at: number): number => ((apdu[at] ?? 0) << 8) | (apdu[at + 1] ?? 0);
  if (n === 7) return { ...header, case: 2, extended: true, data: none, le: word(5) || 65_536 };
  const lc = word(5);
  if (lc === 0) throw new MalformedApduError(`${what} extended Lc`, 5, '0001..FFFF', '0000');
  const end = 7 + lc;
  const data = apdu.slice(7, end);
  if (n === end) return { ...header, case: 3, extended: true, data, le: 0 };
  if (n === end + 2) return { ...header, case: 4, extended: true, data, le: word(end) || 65_536 };
  throw new MalformedApduError(`${what} (extended Lc ${lc})`, n, `${end} or ${end + 2} bytes`, `${n} bytes`);
}
