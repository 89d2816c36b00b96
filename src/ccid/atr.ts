/**
 * Answer-to-Reset parser, ISO/IEC 7816-3:2006 §8. Pure: bytes in, a typed `Atr` or an `AtrError` out.
 * Bytes after TS are taken as logical values (a reader decodes inverse convention before it hands
 * the ATR over, so TS then reads 0x3F).
 */
import { toHex } from './bytes';
import { MalformedDataError } from './errors';
import { DEFAULT_TA1, baudRateDivisor, clockRateFactor } from './atr-tables';

export type AtrErrorKind = 'bad-ts' | 'truncated' | 'too-long' | 'tck-mismatch' | 'trailing-bytes' | 'invalid-value';

/** An ATR that breaks ISO 7816-3 §8; `kind` says how, `offset` where. */
export class AtrError extends MalformedDataError {
  readonly kind: AtrErrorKind;
  constructor(kind: AtrErrorKind, what: string, offset: number, expected: string, got: string, options?: { cause?: unknown }) {
    super(what, offset, expected, got, options);
    this.kind = kind;
  }
}

export type Convention = 'direct' | 'inverse';
export type Edc = 'lrc' | 'crc';
/** Clock stop indicator X of the first TA for T=15 (§8.3). */
export type ClockStop = 'not-supported' | 'low' | 'high' | 'no-preference';
/** Class indicator Y of the first TA for T=15: A 5 V, B 3 V, C 1.8 V (§8.3, §5.1.3). */
export type VoltageClass = 'A' | 'B' | 'C';

export interface InterfaceLevel {
  /** i of TAi, TBi, TCi, TDi (1-based). */
  readonly index: number;
  /** T announced by TD(i-1); it qualifies TAi/TBi/TCi for i ≥ 3. Undefined for i = 1. */
  readonly t: number | undefined;
  readonly ta: number | undefined;
  readonly tb: number | undefined;
  readonly tc: number | undefined;
  readonly td: number | undefined;
}

/** TA2 present: the card is in specific mode (§6.3, §8.3). */
export interface SpecificMode {
  readonly protocol: number;
  /** b5 = 1: Fi/Di are implicit, not the ones of TA1. */
  readonly parametersImplicit: boolean;
  /** b8 = 0: a warm reset switches the card to negotiable mode. */
  readonly canChange: boolean;
}

/** §11.4: from the first TA / TB / TC for T=1, defaults when absent. */
export interface T1Parameters {
  readonly ifsc: number;
  readonly bwi: number;
  readonly cwi: number;
  readonly edc: Edc;
}

export interface Atr {
  readonly raw: Uint8Array;
  readonly convention: Convention;
  /** T0, the format byte: Y1 in the high nibble, K (number of historical bytes) in the low one. */
  readonly formatByte: number;
  readonly levels: readonly InterfaceLevel[];
  readonly historical: Uint8Array;
  /** Present, and checked, unless T=0 is the only protocol indicated (§8.2.5). */
  readonly tck: number | undefined;
  /** TA1 as sent, or its default 0x11 when absent (§8.3). */
  readonly ta1: number;
  /** From TA1; undefined when TA1 uses an RFU code (Table 7 / Table 8). */
  readonly fi: number | undefined;
  readonly fmaxHz: number | undefined;
  readonly di: number | undefined;
  /** Sorted, unique, T=15 excluded (it qualifies global bytes, offers nothing); [0] without TD1. */
  readonly offeredProtocols: readonly number[];
  readonly firstOfferedProtocol: number;
  readonly specificMode: SpecificMode | undefined;
  /**
   * N from TC1 (0 when absent): extra guard time of N etu. 255 is special (§8.3): the minimum
   * character distance, 12 etu in T=0 and 11 etu in T=1.
   */
  readonly guardTimeN: number;
  /** WI from TC2, default 10 (§10.2). */
  readonly t0: { readonly wi: number };
  readonly t1: T1Parameters;
  /** From the first TA for T=15; undefined when the card sent none. */
  readonly clockStop: ClockStop | undefined;
  readonly voltageClasses: readonly VoltageClass[] | undefined;
}

/** TS plus at most 32 characters (§8.2.1). */
export const MAX_ATR_LENGTH = 33;
const TS_DIRECT = 0x3b;
const TS_INVERSE = 0x3f;
/** T = 15 is not a protocol: it qualifies the bytes that follow as global (§8.2.3). */
const T_GLOBAL = 15;

const T1_DEFAULTS: T1Parameters = { ifsc: 32, bwi: 4, cwi: 13, edc: 'lrc' };
const T0_DEFAULT_WI = 10;
/** Indexed by the clock stop indicator X of §8.3, which CCID's bClockStop codes the same way (§6.1.7). */
export const CLOCK_STOP: readonly ClockStop[] = ['not-supported', 'low', 'high', 'no-preference'];
const VOLTAGE_CLASS_BITS: readonly (readonly [number, VoltageClass])[] = [
  [0x01, 'A'],
  [0x02, 'B'],
  [0x04, 'C'],
];

interface Located {
  readonly value: number;
  readonly offset: number;
}
interface LocatedLevel {
  readonly index: number;
  readonly t: number | undefined;
  readonly ta: Located | undefined;
  readonly tb: Located | undefined;
  readonly tc: Located | undefined;
  readonly td: Located | undefined;
}

/** "0x3B": one byte as the error messages and reason notes print it. */
export function byteHex(value: number): string {
  return `0x${toHex(Uint8Array.of(value))}`;
}

/** Parses an ATR; throws `AtrError` for anything ISO 7816-3 §8 does not allow. */
export function parseAtr(bytes: Uint8Array): Atr {
  const ts = bytes[0];
  if (ts !== TS_DIRECT && ts !== TS_INVERSE) {
    throw new AtrError('bad-ts', 'ATR TS', 0, '0x3B (direct) or 0x3F (inverse)', ts === undefined ? 'no bytes' : byteHex(ts));
  }
  let position = 1;
  const take = (name: string, announcedBy: string): Located => {
    const offset = position;
    if (offset >= MAX_ATR_LENGTH) {
      throw new AtrError('too-long', `ATR ${name}`, offset, `at most ${MAX_ATR_LENGTH - 1} characters after TS`, `${name} announced by ${announcedBy} beyond them`);
    }
    const value = bytes[offset];
    if (value === undefined) {
      throw new AtrError('truncated', `ATR ${name}`, offset, `${name} (announced by ${announcedBy})`, `end of data after ${bytes.length} bytes`);
    }
    position++;
    return { value, offset };
  };

  const formatByte = take('T0', 'TS').value;
  const levels = readInterfaceLevels(formatByte, take);
  const historicalCount = formatByte & 0x0f;
  const historicalStart = position;
  for (let j = 1; j <= historicalCount; j++) take(`historical byte ${j} of ${historicalCount}`, `T0 ${byteHex(formatByte)}`);
  const historical = bytes.slice(historicalStart, position);

  const tckAnnouncer = levels.find((l) => l.td !== undefined && (l.td.value & 0x0f) !== 0);
  let tck: number | undefined;
  if (tckAnnouncer?.td !== undefined) {
    const located = take('TCK', `TD${tckAnnouncer.index} ${byteHex(tckAnnouncer.td.value)} (a protocol other than T=0)`);
    tck = located.value;
    checkTck(bytes, located.offset);
  }
  if (position < bytes.length) {
    const extra = bytes.length - position;
    const shown = toHex(bytes.subarray(position, position + 8)) + (extra > 8 ? ' ...' : '');
    const end = tck === undefined ? 'the historical bytes' : 'TCK';
    throw new AtrError('trailing-bytes', 'ATR', position, `end of ATR after ${end}`, `${extra} more byte(s): ${shown}`);
  }

  const firstTd = levels[0]?.td;
  if (firstTd !== undefined && (firstTd.value & 0x0f) === T_GLOBAL) {
    throw new AtrError('invalid-value', 'ATR TD1', firstTd.offset, 'a protocol T other than 15 (§8.2.3)', byteHex(firstTd.value));
  }
  const tc2 = levels[1]?.tc;
  // §10.2: WI = 0x00 is reserved.
  if (tc2 !== undefined && tc2.value === 0) {
    throw new AtrError('invalid-value', 'ATR TC2 (WI)', tc2.offset, 'WI 0x01..0xFF (§10.2)', byteHex(tc2.value));
  }
  const ta1 = levels[0]?.ta?.value ?? DEFAULT_TA1;
  const rate = clockRateFactor(ta1 >> 4);
  const offered = [...new Set(levels.flatMap((l) => (l.td === undefined || (l.td.value & 0x0f) === T_GLOBAL ? [] : [l.td.value & 0x0f])))];
  const ta2 = levels[1]?.ta?.value;
  const globalTa = firstSpecific(levels, T_GLOBAL, 'ta')?.value;

  return {
    raw: bytes.slice(),
    convention: ts === TS_DIRECT ? 'direct' : 'inverse',
    formatByte,
    levels: levels.map((l) => ({ index: l.index, t: l.t, ta: l.ta?.value, tb: l.tb?.value, tc: l.tc?.value, td: l.td?.value })),
    historical,
    tck,
    ta1,
    fi: rate?.fi,
    fmaxHz: rate?.fmaxHz,
    di: baudRateDivisor(ta1 & 0x0f),
    offeredProtocols: offered.length === 0 ? [0] : offered.sort((a, b) => a - b),
    firstOfferedProtocol: firstTd === undefined ? 0 : firstTd.value & 0x0f,
    specificMode:
      ta2 === undefined ? undefined : { protocol: ta2 & 0x0f, parametersImplicit: (ta2 & 0x10) !== 0, canChange: (ta2 & 0x80) === 0 },
    guardTimeN: levels[0]?.tc?.value ?? 0,
    t0: { wi: tc2?.value ?? T0_DEFAULT_WI },
    t1: readT1Parameters(levels),
    clockStop: globalTa === undefined ? undefined : CLOCK_STOP[globalTa >> 6],
    voltageClasses: globalTa === undefined ? undefined : VOLTAGE_CLASS_BITS.filter(([bit]) => (globalTa & bit) !== 0).map(([, c]) => c),
  };
}

/** Reads TAi..TDi for i = 1, 2, ... as long as TDi announces more; `take` bounds the length. */
function readInterfaceLevels(formatByte: number, take: (name: string, announcedBy: string) => Located): LocatedLevel[] {
  const levels: LocatedLevel[] = [];
  let presence = formatByte >> 4;
  let announcer = `T0 ${byteHex(formatByte)}`;
  let t: number | undefined;
  for (let index = 1; ; index++) {
    const read = (bit: number, letter: string): Located | undefined =>
      presence & bit ? take(`T${letter}${index}`, announcer) : undefined;
    const ta = read(0x1, 'A');
    const tb = read(0x2, 'B');
    const tc = read(0x4, 'C');
    const td = read(0x8, 'D');
    levels.push({ index, t, ta, tb, tc, td });
    if (td === undefined) return levels;
    presence = td.value >> 4;
    t = td.value & 0x0f;
    announcer = `TD${index} ${byteHex(td.value)}`;
  }
}

/** §8.2.5: the exclusive-or of T0 up to and including TCK is zero. */
function checkTck(bytes: Uint8Array, tckOffset: number): void {
  let xor = 0;
  for (let k = 1; k < tckOffset; k++) xor ^= bytes[k] ?? 0;
  const tck = bytes[tckOffset] ?? 0;
  if (xor !== tck) throw new AtrError('tck-mismatch', 'ATR TCK', tckOffset, byteHex(xor), byteHex(tck));
}

/** The first TAi / TBi / TCi (i ≥ 3) after a TD(i-1) announcing T = `t` (§8.2.3). */
function firstSpecific(levels: readonly LocatedLevel[], t: number, which: 'ta' | 'tb' | 'tc'): (Located & { index: number }) | undefined {
  for (const level of levels) {
    const found = level[which];
    if (level.index >= 3 && level.t === t && found !== undefined) return { ...found, index: level.index };
  }
  return undefined;
}

function readT1Parameters(levels: readonly LocatedLevel[]): T1Parameters {
  const ta = firstSpecific(levels, 1, 'ta');
  const tb = firstSpecific(levels, 1, 'tb');
  const tc = firstSpecific(levels, 1, 'tc');
  // §11.4.2: IFSC 0x00 and 0xFF are reserved.
  if (ta !== undefined && (ta.value === 0x00 || ta.value === 0xff)) {
    throw new AtrError('invalid-value', `ATR TA${ta.index} (IFSC)`, ta.offset, 'IFSC 0x01..0xFE (§11.4.2)', byteHex(ta.value));
  }
  // §11.4.3: BWI values 0xA..0xF are reserved.
  if (tb !== undefined && tb.value >> 4 > 9) {
    throw new AtrError('invalid-value', `ATR TB${tb.index} (BWI)`, tb.offset, 'BWI 0..9 in the high nibble (§11.4.3)', byteHex(tb.value));
  }
  return {
    ifsc: ta?.value ?? T1_DEFAULTS.ifsc,
    bwi: tb === undefined ? T1_DEFAULTS.bwi : tb.value >> 4,
    cwi: tb === undefined ? T1_DEFAULTS.cwi : tb.value & 0x0f,
    edc: tc === undefined ? T1_DEFAULTS.edc : tc.value & 0x01 ? 'crc' : 'lrc',
  };
}
