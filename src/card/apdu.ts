/**
 * ISO/IEC 7816-4 command and response APDUs as the eCard needs them: short commands of case 1
 * (header only) and case 3 (header, Lc, data), and the status word closing every response.
 */
import { CcidError, MalformedDataError } from '../ccid';

/** CLA INS P1 P2. */
export type ApduHeader = readonly [cla: number, ins: number, p1: number, p2: number];

/** A command asked of buildCommandApdu does not fit a short APDU. */
export class ApduBuildError extends CcidError {}

/** Status words used by the eCard profile (ISO/IEC 7816-4:2005 §5.1.3, Tables 5 and 6). */
export const SW = {
  OK: 0x9000,
  /** Warning: selected file deactivated. */
  FILE_DEACTIVATED: 0x6283,
  /** 63Cx: counter x; for VERIFY and CHANGE the PIN tries left. */
  COUNTER: 0x63c0,
  /** PC/SC part 10 §2.5.2 / §2.5.3: answers of the reader's PIN pad, never of the card. */
  PIN_PAD_TIMEOUT: 0x6400,
  PIN_PAD_CANCELLED: 0x6401,
  PIN_PAD_MISMATCH: 0x6402,
  PIN_PAD_LENGTH: 0x6403,
  WRONG_LENGTH: 0x6700,
  SECURITY_NOT_SATISFIED: 0x6982,
  AUTHENTICATION_BLOCKED: 0x6983,
  REFERENCE_DATA_NOT_USABLE: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  NO_CURRENT_EF: 0x6986,
  WRONG_DATA: 0x6a80,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  WRONG_P1_P2: 0x6a86,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
} as const;

const MAX_SHORT_DATA = 255;

/** Case 1 without `data`, case 3 with a one-byte Lc (ISO/IEC 7816-4:2005 §5.1). */
export function buildCommandApdu(header: ApduHeader, data?: Uint8Array): Uint8Array {
  header.forEach((value, index) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw new ApduBuildError(`APDU header byte ${index}: expected 0..255, got ${value}`);
    }
  });
  if (data === undefined) return Uint8Array.from(header);
  if (data.length < 1 || data.length > MAX_SHORT_DATA) {
    throw new ApduBuildError(`APDU data: expected 1..${MAX_SHORT_DATA} bytes for a short Lc, got ${data.length}`);
  }
  const apdu = new Uint8Array(5 + data.length);
  apdu.set(header);
  apdu[4] = data.length;
  apdu.set(data, 5);
  return apdu;
}

export interface ResponseApdu {
  readonly data: Uint8Array;
  /** SW1 SW2 as one number, e.g. 0x63c2. */
  readonly sw: number;
}

/** Splits a response APDU into its data and its status word. */
export function parseResponseApdu(response: Uint8Array): ResponseApdu {
  const n = response.length;
  if (n < 2) throw new MalformedDataError('response APDU', n, 'at least 2 bytes (SW1 SW2)', `${n} bytes`);
  return { data: response.slice(0, n - 2), sw: ((response[n - 2] ?? 0) << 8) | (response[n - 1] ?? 0) };
}

/** A status word as four hex digits, e.g. "63C2". */
export function formatSw(sw: number): string {
  return (sw & 0xffff).toString(16).toUpperCase().padStart(4, '0');
}

/** x of 63Cx, or null for any other status word. */
export function counterOf(sw: number): number | null {
  return (sw & 0xfff0) === SW.COUNTER ? sw & 0x0f : null;
}

/** 63Cx for x in 0..15. */
export function counterSw(x: number): number {
  if (!Number.isInteger(x) || x < 0 || x > 0x0f) throw new ApduBuildError(`63Cx counter: expected 0..15, got ${x}`);
  return SW.COUNTER | x;
}

/** Status word bytes as a response without data. */
export function swBytes(sw: number): Uint8Array {
  return Uint8Array.of((sw >> 8) & 0xff, sw & 0xff);
}
