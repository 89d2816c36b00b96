/**
 * The eCard facts, in ONE table (../../../shared/docs/ecard.md). Each row names its source:
 * [public] a public page, [sdk] the decompiled official provider SDK (Novensys eCard.SDK 1.1.56,
 * not an official document), [model] a choice of this project where no source says.
 * Correct a value here and every builder, mapping and simulator follows.
 */
import type { ApduHeader } from './apdu';

export type FactSource = `[${'public' | 'sdk' | 'model'}] ${string}`;

export interface ProfileFact<T> {
  readonly value: T;
  readonly source: FactSource;
}

export const ECARD_PROFILE = {
  /** T=1 only, TA1 13 (Fi 372, Di 4), IFSC 254, BWI 4 / CWI 5, no historical bytes. */
  atr: {
    value: [0x3b, 0xf0, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x45, 0xe8],
    source: '[public] pcsc-tools smartcard_list.txt, "Healthcare card Romania"',
  },
  aid: {
    value: [0xe8, 0x28, 0xbd, 0x08, 0x0f, 0xd6, 0x42, 0x00, 0x00, 0x01, 0x01],
    source: '[sdk] application selected by this AID',
  },
  selectByAid: {
    value: [0x00, 0xa4, 0x04, 0x0c],
    source: '[model] ISO/IEC 7816-4:2005 §7.1.1: P1 04 select by DF name, P2 0C no response data; the SDK gives only the AID',
  },
  /** Without data the same header asks the tries left (ISO/IEC 7816-4:2005 §7.5, Table 72: 63CX or 9000). */
  verify: {
    value: [0x00, 0x20, 0x00, 0x01],
    source: '[sdk] VERIFY, PIN reference 01, PIN as ASCII digits',
  },
  changeReferenceData: {
    value: [0x00, 0x24, 0x00, 0x01],
    source: '[sdk] CHANGE REFERENCE DATA, data = old PIN ASCII ‖ new PIN ASCII',
  },
  resetRetryCounter: {
    value: [0x00, 0x2c, 0x02, 0x01],
    source: '[sdk] RESET RETRY COUNTER, P1 02: new reference data only, no reset code',
  },
  pinEncoding: {
    value: 'ascii-digits',
    source: '[sdk] one ASCII byte per digit, no padding',
  },
  pinLength: {
    value: 4,
    source: '[public] https://mediafax.ro/social/cnas-cardul-de-sanatate-se-blocheaza-daca-asiguratul-tasteaza-gresit-de-cinci-ori-codul-pin-ales-14186508 ; [sdk]',
  },
  maxTries: {
    value: 5,
    source: '[public] mediafax (above); the CAS Gorj notice of 2015 (seed)',
  },
  transportPin: {
    value: '000',
    source: '[sdk] PIN of a new card before activation; one public page says 0000',
  },
  resetPin: {
    value: '0000',
    source: '[public] CAS Gorj notice no. 8460 of 2015, step 3 (seed); [sdk]',
  },
} as const satisfies Record<string, ProfileFact<unknown>>;

/** Shortest PIN the card takes: the transport PIN. */
export const MIN_PIN_LENGTH = ECARD_PROFILE.transportPin.value.length;

export function ecardAtr(): Uint8Array {
  return Uint8Array.from(ECARD_PROFILE.atr.value);
}

export function ecardAid(): Uint8Array {
  return Uint8Array.from(ECARD_PROFILE.aid.value);
}

/** True for exactly the eCard's ATR (the only one in the public lists; it has no historical bytes to vary). */
export function isEcardAtr(atr: Uint8Array): boolean {
  const expected = ECARD_PROFILE.atr.value;
  return atr.length === expected.length && expected.every((byte, i) => atr[i] === byte);
}

/** Header of a command of the profile, typed for buildCommandApdu. */
export function headerOf(command: 'selectByAid' | 'verify' | 'changeReferenceData' | 'resetRetryCounter'): ApduHeader {
  const [cla, ins, p1, p2] = ECARD_PROFILE[command].value;
  return [cla, ins, p1, p2];
}
