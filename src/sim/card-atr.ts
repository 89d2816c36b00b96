/**
 * What a virtual card's own ATR commits it to (ISO/IEC 7816-3 §8): offered protocols, TA1 rate,
 * extra guard time, specific mode (TA2), and the T=0 / T=1 parameters. The simulator reads its
 * cards' ATRs with this small strict reader of its own; the driver has its own parser.
 */
import { MalformedDataError } from '../ccid/errors';
import { T1_DEFAULT_IFS, T1_MAX_INF, type Edc } from './wire-t1-block';
import { decodeRateByte } from './wire-time';

export interface CardAtr {
  /** Protocols offered by TD bytes, in ATR order, without repeats and without T=15; [0] without TD1. */
  readonly protocols: readonly number[];
  /** Fi and Di of TA1 (372 and 1 when TA1 is absent). */
  readonly fi: number;
  readonly di: number;
  /** TC1, the extra guard time N (0 when absent). */
  readonly guardTimeN: number;
  /** TA2 (§8.3): the card is in specific mode with this protocol, at TA1's rate or at implicit values. */
  readonly specificMode: { readonly protocol: number; readonly rateFromTa1: boolean } | undefined;
  /** First TA / TB / TC for T=1 (§11.4): IFSC, BWI, CWI, EDC. */
  readonly t1: { readonly ifsc: number; readonly bwi: number; readonly cwi: number; readonly edc: Edc };
  /** TC2 for T=0 (§10.2): the waiting time integer WI. */
  readonly t0: { readonly wi: number };
  readonly historical: Uint8Array;
}

const hex2 = (b: number): string => b.toString(16).toUpperCase().padStart(2, '0');

interface AtrByte {
  readonly value: number;
  readonly offset: number;
}

/** Reads an ATR; throws MalformedDataError naming the offending byte for anything the card may not send. */
export function readCardAtr(atr: Uint8Array): CardAtr {
  let offset = 0;
  const next = (name: string): AtrByte => {
    const value = atr[offset];
    if (value === undefined) throw new MalformedDataError('ATR', offset, name, 'end of ATR');
    return { value, offset: offset++ };
  };
  const ts = next('TS');
  if (ts.value !== 0x3b && ts.value !== 0x3f) throw new MalformedDataError('ATR TS', 0, '3B or 3F', hex2(ts.value));
  const t0 = next('T0').value;
  let y = t0 >> 4;
  let i = 1;
  let groupT: number | undefined; // T of TD(i-1): the protocol the bytes of group i belong to
  const tds: number[] = [];
  let ta1: AtrByte | undefined;
  let guardTimeN = 0;
  let specificMode: CardAtr['specificMode'];
  let wi = 10;
  let ifsc: number | undefined;
  let bw: { bwi: number; cwi: number } | undefined;
  let edc: Edc | undefined;

  for (;;) {
    const ta = y & 1 ? next(`TA${i}`) : undefined;
    const tb = y & 2 ? next(`TB${i}`) : undefined;
    const tc = y & 4 ? next(`TC${i}`) : undefined;
    const td = y & 8 ? next(`TD${i}`) : undefined;
    if (i === 1) {
      ta1 = ta;
      guardTimeN = tc?.value ?? 0;
    } else if (i === 2) {
      if (ta) specificMode = { protocol: ta.value & 0x0f, rateFromTa1: (ta.value & 0x10) === 0 };
      if (tc && groupT === 0) {
        if (tc.value === 0) throw new MalformedDataError('ATR TC2 (WI)', tc.offset, '01..FF', '00');
        wi = tc.value;
      }
    } else if (groupT === 1) {
      // §11.4: only the first TA, TB and TC for T=1 count.
      if (ta && ifsc === undefined) {
        if (ta.value === 0 || ta.value > T1_MAX_INF) throw new MalformedDataError(`ATR TA${i} (IFSC)`, ta.offset, '01..FE', hex2(ta.value));
        ifsc = ta.value;
      }
      if (tb && bw === undefined) {
        if (tb.value >> 4 > 9) throw new MalformedDataError(`ATR TB${i} (BWI)`, tb.offset, 'BWI 0..9', hex2(tb.value));
        bw = { bwi: tb.value >> 4, cwi: tb.value & 0x0f };
      }
      if (tc && edc === undefined) edc = tc.value & 1 ? 'crc' : 'lrc';
    }
    if (!td) break;
    groupT = td.value & 0x0f;
    tds.push(groupT);
    y = td.value >> 4;
    i++;
  }

  const rate = ta1 ? decodeRateByte('ATR TA1', ta1.value, ta1.offset) : { fi: 372, di: 1 };
  const historicalStart = offset;
  const historicalLength = t0 & 0x0f;
  const tckPresent = tds.some((t) => t !== 0);
  const expectedLength = historicalStart + historicalLength + (tckPresent ? 1 : 0);
  if (atr.length !== expectedLength) {
    throw new MalformedDataError('ATR', Math.min(atr.length, expectedLength), `${expectedLength} bytes`, `${atr.length} bytes`);
  }
  if (tckPresent) {
    const tck = atr[atr.length - 1] ?? 0;
    let x = 0;
    for (const b of atr.subarray(1)) x ^= b;
    if (x !== 0) throw new MalformedDataError('ATR TCK', atr.length - 1, hex2(tck ^ x), hex2(tck));
  }
  const protocols = [...new Set(tds.filter((t) => t !== 15))];
  return {
    protocols: protocols.length === 0 ? [0] : protocols,
    fi: rate.fi,
    di: rate.di,
    guardTimeN,
    specificMode,
    t1: { ifsc: ifsc ?? T1_DEFAULT_IFS, bwi: bw?.bwi ?? 4, cwi: bw?.cwi ?? 13, edc: edc ?? 'lrc' },
    t0: { wi },
    historical: atr.slice(historicalStart, historicalStart + historicalLength),
  };
}

/** Protocol and rate the card uses right after its ATR: specific mode, else the first offered T at Fd/Dd (§8.1, §9.1). */
export function initialLink(atr: CardAtr): { protocol: number; fi: number; di: number } {
  if (atr.specificMode) {
    const { protocol, rateFromTa1 } = atr.specificMode;
    return rateFromTa1 ? { protocol, fi: atr.fi, di: atr.di } : { protocol, fi: 372, di: 1 };
  }
  return { protocol: atr.protocols[0] ?? 0, fi: 372, di: 1 };
}
