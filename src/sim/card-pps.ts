/**
 * The card's answer to a PPS request (ISO/IEC 7816-3 §9): PPSS PPS0 [PPS1] [PPS2] [PPS3] PCK.
 * Pure: the caller keeps the link state and applies what was agreed.
 */
import { MalformedDataError } from '../ccid/errors';
import type { CardAtr } from './card-atr';
import { decodeRateByte } from './wire-time';

export interface PpsAgreement {
  /** The bytes the card sends back. */
  readonly response: Uint8Array;
  readonly protocol: number;
  readonly fi: number;
  readonly di: number;
}

/** Why the card stays silent: a real card simply sends nothing (§9.3). */
export type PpsSilence = 'malformed' | 'bad-pck' | 'protocol-not-offered' | 'specific-mode';

export type PpsOutcome = { readonly answered: true; readonly agreement: PpsAgreement } | { readonly answered: false; readonly why: PpsSilence };

const xorAll = (bytes: Uint8Array): number => bytes.reduce((x, b) => x ^ b, 0);

/**
 * §9.3 as the card applies it: the answer echoes PPSS, PPS0's T and PPS1 when the card accepts
 * Fi equal to TA1's and Di at most TA1's; otherwise PPS1 is left out and Fd/Dd stay. PPS2 and
 * PPS3 are never echoed (this card supports neither). A wrong PCK, a T the ATR does not offer or a
 * card in specific mode get no answer at all.
 */
export function answerPps(request: Uint8Array, atr: CardAtr): PpsOutcome {
  if (atr.specificMode) return { answered: false, why: 'specific-mode' };
  const pps0 = request[1];
  if (request[0] !== 0xff || pps0 === undefined || pps0 & 0x80) return { answered: false, why: 'malformed' };
  const optional = [0x10, 0x20, 0x40].filter((bit) => pps0 & bit).length;
  if (request.length !== 3 + optional) return { answered: false, why: 'malformed' };
  if (xorAll(request) !== 0) return { answered: false, why: 'bad-pck' };
  const protocol = pps0 & 0x0f;
  if (!atr.protocols.includes(protocol)) return { answered: false, why: 'protocol-not-offered' };

  const pps1 = pps0 & 0x10 ? request[2] : undefined;
  const rate = pps1 === undefined ? undefined : acceptableRate(pps1, atr);
  const body = rate ? Uint8Array.of(0xff, 0x10 | protocol, pps1 ?? 0) : Uint8Array.of(0xff, protocol);
  const response = Uint8Array.of(...body, xorAll(body));
  return { answered: true, agreement: { response, protocol, fi: rate?.fi ?? 372, di: rate?.di ?? 1 } };
}

function acceptableRate(pps1: number, atr: CardAtr): { fi: number; di: number } | undefined {
  try {
    const { fi, di } = decodeRateByte('PPS1', pps1, 2);
    return fi === atr.fi && di <= atr.di ? { fi, di } : undefined;
  } catch (e) {
    if (e instanceof MalformedDataError) return undefined; // a reserved code: not acceptable
    throw e;
  }
}
