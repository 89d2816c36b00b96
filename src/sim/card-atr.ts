/**
 * What a virtual card's own ATR commits it to (ISO/IEC 7816-3 §8): offered protocols in ATR order,
 * TA1 rate, extra guard time, specific mode (TA2), and the T=0 / T=1 parameters. The ATR codec is
 * pure data handling shared with the driver (architecture.md: src/sim imports pure codecs only).
 */
import { parseAtr } from '../ccid/atr';
import { hexByte } from '../ccid/bytes';
import { MalformedDataError } from '../ccid/errors';
import type { Edc } from './wire-t1-block';

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

/** Reads an ATR; throws MalformedDataError (AtrError) naming the offending byte. */
export function readCardAtr(atr: Uint8Array): CardAtr {
  const parsed = parseAtr(atr);
  if (parsed.fi === undefined || parsed.di === undefined) {
    throw new MalformedDataError('ATR TA1', 2, 'a defined Fi and Di code', `0x${hexByte(parsed.ta1)}`);
  }
  const first = parsed.firstOfferedProtocol;
  const mode = parsed.specificMode;
  return {
    protocols: [first, ...parsed.offeredProtocols.filter((t) => t !== first)],
    fi: parsed.fi,
    di: parsed.di,
    guardTimeN: parsed.guardTimeN,
    specificMode: mode && { protocol: mode.protocol, rateFromTa1: !mode.parametersImplicit },
    t1: parsed.t1,
    t0: parsed.t0,
    historical: parsed.historical,
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
