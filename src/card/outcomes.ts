/**
 * Outcomes of eCard operations, and the ONE table that turns a status word into an outcome.
 * A flow gets from here everything the provider must see: the official code, a Romanian and an
 * English message, what the CAS needs, the next step and, when known, the tries left.
 */
import { CcidError } from '../ccid';
import { counterOf, formatSw } from './apdu';
import type { FactSource } from './ecard-profile';
import { OUTCOME_KINDS, type CasNeeds, type OfficialCode, type OutcomeKind } from './outcome-kinds';
import { OUTCOME_TEXT_EN, OUTCOME_TEXT_RO } from './outcome-text';

/** What the flow asked of the card; the same status word means different things per operation. */
export type CardOperation = 'select' | 'verify' | 'tries-left' | 'change' | 'activate' | 'reset';

export interface Outcome {
  readonly kind: OutcomeKind;
  readonly code: OfficialCode | null;
  readonly messageRo: string;
  readonly messageEn: string;
  readonly casNeeds: CasNeeds | null;
  readonly nextStep: { readonly ro: string; readonly en: string };
  readonly triesLeft?: number;
  /** The status word the outcome came from, when it came from one. */
  readonly sw?: number;
  /**
   * The link broke (the reader left) while a PIN command could have reached the card: whether the
   * card did it is not known (flows/machine.ts).
   */
  readonly pinCommandUnanswered?: true;
}

export interface OutcomeDetails {
  readonly triesLeft?: number;
  readonly sw?: number;
}

/** outcomeOf was asked for a text whose detail (tries left, status word) it was not given. */
export class OutcomeDetailError extends CcidError {}

const MAX_COUNTER = 15;

/** The outcome of `kind`, its texts filled with `details`. */
export function outcomeOf(kind: OutcomeKind, details: OutcomeDetails = {}): Outcome {
  const { triesLeft, sw } = details;
  if (triesLeft !== undefined && (!Number.isInteger(triesLeft) || triesLeft < 0 || triesLeft > MAX_COUNTER)) {
    throw new OutcomeDetailError(`outcome ${kind}: expected triesLeft 0..${MAX_COUNTER}, got ${triesLeft}`);
  }
  if (sw !== undefined && (!Number.isInteger(sw) || sw < 0 || sw > 0xffff)) {
    throw new OutcomeDetailError(`outcome ${kind}: expected a status word 0000..FFFF, got ${sw}`);
  }
  const fill = (template: string): string => {
    let text = template;
    if (text.includes('{tries}')) {
      if (triesLeft === undefined) throw new OutcomeDetailError(`outcome ${kind}: expected triesLeft, got none`);
      text = text.replaceAll('{tries}', String(triesLeft));
    }
    if (text.includes('{sw}')) {
      if (sw === undefined) throw new OutcomeDetailError(`outcome ${kind}: expected a status word, got none`);
      text = text.replaceAll('{sw}', formatSw(sw));
    }
    return text;
  };
  const ro = OUTCOME_TEXT_RO[kind];
  const en = OUTCOME_TEXT_EN[kind];
  const facts = OUTCOME_KINDS[kind];
  return {
    kind,
    code: facts.code,
    messageRo: fill(ro.message),
    messageEn: fill(en.message),
    casNeeds: facts.casNeeds,
    nextStep: { ro: fill(ro.nextStep), en: fill(en.nextStep) },
    ...(triesLeft === undefined ? {} : { triesLeft }),
    ...(sw === undefined ? {} : { sw }),
  };
}

export interface StatusWordRule {
  readonly sw: number;
  /** 0xfff0 for the 63Cx family, 0xffff for one status word. */
  readonly mask: number;
  readonly on: readonly CardOperation[];
  readonly kind: OutcomeKind;
  readonly source: FactSource;
}

const ALL: readonly CardOperation[] = ['select', 'verify', 'tries-left', 'change', 'activate', 'reset'];
const PIN_CHECKS: readonly CardOperation[] = ['verify', 'tries-left', 'change', 'activate'];
const PIN_PAD_ENTRIES: readonly CardOperation[] = ['verify', 'change', 'activate', 'reset'];
const ONE = 0xffff;
const FAMILY = 0xfff0;

/** First matching row wins; a status word no row matches is an 'unexpected-answer'. */
export const STATUS_WORD_RULES: readonly StatusWordRule[] = [
  { sw: 0x9000, mask: ONE, on: ALL, kind: 'ok', source: '[public] ISO/IEC 7816-4:2005 §5.1.3 (on the tries-left query: already verified)' },
  { sw: 0x63c0, mask: ONE, on: PIN_CHECKS, kind: 'blocked', source: '[sdk] 63Cx = x tries left; none left = blocked' },
  { sw: 0x63c0, mask: FAMILY, on: ['verify', 'change'], kind: 'wrong-pin', source: '[sdk] 63Cx = wrong PIN, x tries left' },
  { sw: 0x63c0, mask: FAMILY, on: ['activate'], kind: 'wrong-transport-pin', source: '[model] CHANGE from the transport PIN answered 63Cx: -42 of the SDK' },
  { sw: 0x63c0, mask: FAMILY, on: ['tries-left'], kind: 'tries-left', source: '[public] ISO/IEC 7816-4:2005 §7.5, Table 72: VERIFY without data' },
  { sw: 0x6983, mask: ONE, on: PIN_CHECKS, kind: 'blocked', source: '[sdk] 6983 = blocked; ISO/IEC 7816-4 authentication method blocked' },
  { sw: 0x6982, mask: ONE, on: ['reset'], kind: 'reset-not-confirmed', source: '[sdk] -36 reset not confirmed; [model] the card refuses RESET with 6982 until the CAS unblock' },
  { sw: 0x6982, mask: ONE, on: PIN_CHECKS, kind: 'security-not-satisfied', source: '[public] ISO/IEC 7816-4:2005 Table 6: security status not satisfied' },
  { sw: 0x6985, mask: ONE, on: ['reset'], kind: 'reset-not-blocked', source: '[model] RESET on a card that is not blocked: conditions of use not satisfied (-37)' },
  { sw: 0x6a80, mask: ONE, on: ['reset'], kind: 'wrong-reset-pin', source: '[model] the CAS unblock admits only the reset PIN 0000 as new PIN (-41)' },
  { sw: 0x6984, mask: ONE, on: ['verify', 'tries-left'], kind: 'not-activated', source: '[model] a new card has no own PIN yet: VERIFY answers 6984 (-21)' },
  { sw: 0x6a82, mask: ONE, on: ['select'], kind: 'card-invalid', source: '[model] the eCard application is not found' },
  { sw: 0x6283, mask: ONE, on: ALL, kind: 'card-invalid', source: '[model] the eCard application is deactivated' },
  { sw: 0x6a81, mask: ONE, on: ALL, kind: 'card-invalid', source: '[model] the eCard application refuses its functions' },
  { sw: 0x6984, mask: ONE, on: ['select', 'change', 'activate', 'reset'], kind: 'card-invalid', source: '[model] reference data not usable' },
  { sw: 0x6400, mask: ONE, on: PIN_PAD_ENTRIES, kind: 'timeout', source: '[public] PC/SC part 10 §2.5.2/§2.5.3: PIN pad timeout, no try spent' },
  { sw: 0x6401, mask: ONE, on: ['activate'], kind: 'activation-cancelled', source: '[public] PC/SC part 10 §2.5.2/§2.5.3: cancelled on the PIN pad (-20)' },
  { sw: 0x6401, mask: ONE, on: ['change'], kind: 'change-cancelled', source: '[public] PC/SC part 10 §2.5.3: cancelled on the PIN pad (-23)' },
  { sw: 0x6401, mask: ONE, on: ['verify', 'reset'], kind: 'entry-cancelled', source: '[public] PC/SC part 10 §2.5.2: cancelled on the PIN pad' },
  { sw: 0x6402, mask: ONE, on: ['change', 'activate'], kind: 'pins-differ', source: '[public] PC/SC part 10 §2.5.3: new PIN and confirmation differ' },
  { sw: 0x6403, mask: ONE, on: PIN_PAD_ENTRIES, kind: 'pin-length', source: '[public] PC/SC part 10 §2.5.2/§2.5.3: PIN too short or too long (-40)' },
];

/** The rule that maps `sw` answered to `operation`, or undefined for an unexpected answer. */
export function ruleFor(operation: CardOperation, sw: number): StatusWordRule | undefined {
  return STATUS_WORD_RULES.find((rule) => (sw & rule.mask) === rule.sw && rule.on.includes(operation));
}

/** The outcome of a status word the card (or the PIN pad) answered to `operation`. */
export function outcomeForStatusWord(operation: CardOperation, sw: number): Outcome {
  const rule = ruleFor(operation, sw);
  if (!rule) return outcomeOf('unexpected-answer', { sw });
  const triesLeft = counterOf(sw) ?? (rule.kind === 'blocked' ? 0 : undefined);
  return outcomeOf(rule.kind, triesLeft === undefined ? { sw } : { sw, triesLeft });
}
