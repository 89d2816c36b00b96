/**
 * Every outcome a card operation can end in, with its official error code (numbering of the
 * official provider software, [sdk], table in ../../../shared/docs/ecard.md) and what the CAS
 * needs to hear on the phone: the CID for a blocked card, the card number for an invalid one.
 */

/** Official error codes providers know and quote to CAS. */
export type OfficialCode = -5 | -8 | -9 | -10 | -14 | -15 | -17 | -20 | -21 | -22 | -23 | -36 | -37 | -40 | -41 | -42 | -54 | -61;

export type CasNeeds = 'CID' | 'card number';

export interface OutcomeKindFacts {
  readonly code: OfficialCode | null;
  readonly casNeeds: CasNeeds | null;
}

export const OUTCOME_KINDS = {
  ok: { code: null, casNeeds: null },
  /** The tries-left query answered: the card is active with x tries. */
  'tries-left': { code: null, casNeeds: null },
  'card-state-invalid': { code: -5, casNeeds: 'card number' },
  'no-card': { code: -8, casNeeds: null },
  'reader-not-connected': { code: -9, casNeeds: null },
  'several-readers': { code: -10, casNeeds: null },
  'wrong-pin': { code: -14, casNeeds: null },
  blocked: { code: -15, casNeeds: 'CID' },
  'card-invalid': { code: -17, casNeeds: 'card number' },
  'activation-cancelled': { code: -20, casNeeds: null },
  'not-activated': { code: -21, casNeeds: null },
  'change-failed': { code: -22, casNeeds: null },
  'change-cancelled': { code: -23, casNeeds: null },
  /** The CAS unblock is not on record: the CAS needs the CID to do it. */
  'reset-not-confirmed': { code: -36, casNeeds: 'CID' },
  'reset-not-blocked': { code: -37, casNeeds: null },
  'pin-length': { code: -40, casNeeds: null },
  'wrong-reset-pin': { code: -41, casNeeds: null },
  'wrong-transport-pin': { code: -42, casNeeds: null },
  timeout: { code: -54, casNeeds: null },
  'card-swapped': { code: -61, casNeeds: null },
  /** 6982 on VERIFY / CHANGE (ISO/IEC 7816-4): no official code. */
  'security-not-satisfied': { code: null, casNeeds: null },
  /** PIN entry cancelled on the PIN pad during VERIFY or RESET: no official code. */
  'entry-cancelled': { code: null, casNeeds: null },
  /** New PIN and confirmation differ on the PIN pad: no official code, no try spent. */
  'pins-differ': { code: null, casNeeds: null },
  /** A status word the profile does not expect; the outcome carries it. */
  'unexpected-answer': { code: null, casNeeds: null },
} as const satisfies Record<string, OutcomeKindFacts>;

export type OutcomeKind = keyof typeof OUTCOME_KINDS;

