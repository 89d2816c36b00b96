/**
 * Time on the card's I/O line, counted in etu and seconds (ISO/IEC 7816-3 §7.1: 1 etu = F/D
 * clock cycles). The simulator uses it to show what a faster Fi/Di buys. The model adds minimum
 * character distances and turnaround gaps; it is a lower bound, as real readers only add to it.
 */
import { baudRateDivisor, clockRateFactor, DI_CODES } from '../ccid/atr-tables';
import { MalformedDataError } from '../ccid/errors';

export type Protocol = 0 | 1;
/** Who receives the characters: the card (sent by the reader) or the reader (sent by the card). */
export type Direction = 'to-card' | 'to-reader';

export interface RateCode {
  readonly fi: number;
  readonly di: number;
  readonly fmaxKhz: number;
}

/** Decodes a TA1 / PPS1 byte; throws MalformedDataError for a reserved Fi or Di code. */
export function decodeRateByte(what: string, value: number, offset: number): RateCode {
  // The ISO 7816-3 §8.3 tables are pure data shared with the driver (Tables 7 and 8).
  const f = clockRateFactor(value >> 4);
  const di = baudRateDivisor(value);
  const hex = value.toString(16).toUpperCase().padStart(2, '0');
  if (f === undefined) throw new MalformedDataError(`${what} Fi`, offset, 'a defined Fi code (0-6, 9-D)', hex);
  if (di === undefined) throw new MalformedDataError(`${what} Di`, offset, 'a defined Di code (1-9)', hex);
  return { fi: f.fi, di, fmaxKhz: f.fmaxHz / 1000 };
}

/** True when (fi, di) are values the tables define (for parameters set from outside). */
export function isDefinedRate(fi: number, di: number): boolean {
  const fiDefined = Array.from({ length: 16 }, (_, code) => clockRateFactor(code)?.fi).includes(fi);
  return fiDefined && DI_CODES.some((c) => c.di === di);
}

export interface WireRate {
  readonly fi: number;
  readonly di: number;
  readonly clockKhz: number;
  /** Extra guard time N (TC1), 0..255. */
  readonly guardTimeN: number;
  readonly protocol: Protocol;
}

/** §7.1: 1 etu = F / (D × f) seconds. */
export function etuSeconds(rate: Pick<WireRate, 'fi' | 'di' | 'clockKhz'>): number {
  return rate.fi / (rate.di * rate.clockKhz * 1000);
}

/**
 * Minimum distance between the leading edges of two characters, in etu. §8.3: the card needs
 * GT = 12 etu + N etu before it can receive the next character (N from TC1); N = 255 means
 * 12 etu for T=0 and, §11.2, CGT = 11 etu in both directions for T=1. The card itself sends
 * at the plain 12 etu (10 etu frame + 2 etu guard, §7.2).
 */
export function characterEtu(rate: Pick<WireRate, 'guardTimeN' | 'protocol'>, direction: Direction): number {
  if (rate.guardTimeN === 255) return rate.protocol === 1 ? 11 : 12;
  return direction === 'to-card' ? 12 + rate.guardTimeN : 12;
}

/** §11.2: BGT, at least 22 etu between the leading edges of characters of blocks in opposite directions. */
export const BLOCK_GUARD_ETU = 22;
/** T=0: at least 16 etu between the leading edges of characters in opposite directions (ISO/IEC 7816-3 T=0 timing). */
export const T0_TURNAROUND_ETU = 16;

/** §11.4.3: BWT = 11 etu + 2^BWI × 960 × Fd / f, with Fd = 372. */
export function blockWaitingSeconds(bwi: number, rate: Pick<WireRate, 'fi' | 'di' | 'clockKhz'>): number {
  return 11 * etuSeconds(rate) + (2 ** bwi * 960 * 372) / (rate.clockKhz * 1000);
}

/** §10.2: WT = WI × 960 × Fi / f. */
export function waitingTimeSeconds(wi: number, rate: Pick<WireRate, 'fi' | 'clockKhz'>): number {
  return (wi * 960 * rate.fi) / (rate.clockKhz * 1000);
}

/** A run of characters in one direction. */
export interface WireSegment {
  readonly direction: Direction;
  readonly count: number;
}

/** Wire time of one exchange: each segment's characters plus a turnaround gap at every change of direction. */
export function exchangeEtu(segments: readonly WireSegment[], rate: Pick<WireRate, 'guardTimeN' | 'protocol'>): number {
  let etu = 0;
  let previous: Direction | undefined;
  for (const segment of segments) {
    if (segment.count === 0) continue;
    if (previous !== undefined && previous !== segment.direction) etu += rate.protocol === 1 ? BLOCK_GUARD_ETU : T0_TURNAROUND_ETU;
    etu += segment.count * characterEtu(rate, segment.direction);
    previous = segment.direction;
  }
  return etu;
}

/** Adds up wire time across rate changes: etu are counted at the rate in force when they happened. */
export interface WireMeter {
  readonly etu: number;
  readonly seconds: number;
  exchange(segments: readonly WireSegment[], rate: WireRate): void;
  /** Time without characters on the line (card processing, a reader waiting for a mute card). */
  wait(seconds: number): void;
}

export function createWireMeter(): WireMeter {
  let etu = 0;
  let seconds = 0;
  return {
    get etu() {
      return etu;
    },
    get seconds() {
      return seconds;
    },
    exchange(segments, rate) {
      const n = exchangeEtu(segments, rate);
      etu += n;
      seconds += n * etuSeconds(rate);
    },
    wait(s) {
      seconds += s;
    },
  };
}
