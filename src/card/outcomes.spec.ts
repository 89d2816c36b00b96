import { describe, it, expect } from 'vitest';
import { OUTCOME_KINDS, type OutcomeKind } from './outcome-kinds';
import { OutcomeDetailError, STATUS_WORD_RULES, outcomeForStatusWord, outcomeOf, ruleFor, type CardOperation, type StatusWordRule } from './outcomes';

type Row = readonly [operation: CardOperation, sw: number, kind: OutcomeKind, triesLeft?: number];

const ALL: readonly CardOperation[] = ['select', 'verify', 'tries-left', 'change', 'activate', 'reset'];

/** Every mapping row, with literal status words (the table in outcomes.ts is not consulted). */
const MAPPED: readonly Row[] = [
  ...ALL.map((op): Row => [op, 0x9000, 'ok']),
  ['verify', 0x63c0, 'blocked', 0],
  ['tries-left', 0x63c0, 'blocked', 0],
  ['change', 0x63c0, 'blocked', 0],
  ['activate', 0x63c0, 'blocked', 0],
  ['verify', 0x63c4, 'wrong-pin', 4],
  ['verify', 0x63c1, 'wrong-pin', 1],
  ['change', 0x63c2, 'wrong-pin', 2],
  ['activate', 0x63c4, 'wrong-transport-pin', 4],
  ['tries-left', 0x63c5, 'tries-left', 5],
  ['tries-left', 0x63c1, 'tries-left', 1],
  ['verify', 0x6983, 'blocked', 0],
  ['tries-left', 0x6983, 'blocked', 0],
  ['change', 0x6983, 'blocked', 0],
  ['activate', 0x6983, 'blocked', 0],
  ['reset', 0x6982, 'reset-not-confirmed'],
  ['verify', 0x6982, 'security-not-satisfied'],
  ['tries-left', 0x6982, 'security-not-satisfied'],
  ['change', 0x6982, 'security-not-satisfied'],
  ['activate', 0x6982, 'security-not-satisfied'],
  ['reset', 0x6985, 'reset-not-blocked'],
  ['reset', 0x6a80, 'wrong-reset-pin'],
  ['verify', 0x6984, 'not-activated'],
  ['tries-left', 0x6984, 'not-activated'],
  ['select', 0x6a82, 'card-invalid'],
  ...ALL.map((op): Row => [op, 0x6283, 'card-invalid']),
  ...ALL.map((op): Row => [op, 0x6a81, 'card-invalid']),
  ['select', 0x6984, 'card-invalid'],
  ['change', 0x6984, 'card-invalid'],
  ['activate', 0x6984, 'card-invalid'],
  ['reset', 0x6984, 'card-invalid'],
  ['verify', 0x6400, 'timeout'],
  ['change', 0x6400, 'timeout'],
  ['activate', 0x6400, 'timeout'],
  ['reset', 0x6400, 'timeout'],
  ['activate', 0x6401, 'activation-cancelled'],
  ['change', 0x6401, 'change-cancelled'],
  ['verify', 0x6401, 'entry-cancelled'],
  ['reset', 0x6401, 'entry-cancelled'],
  ['change', 0x6402, 'pins-differ'],
  ['activate', 0x6402, 'pins-differ'],
  ['verify', 0x6403, 'pin-length'],
  ['change', 0x6403, 'pin-length'],
  ['activate', 0x6403, 'pin-length'],
  ['reset', 0x6403, 'pin-length'],
];

/** Status words that mean nothing for that operation: the outcome carries them. */
const UNEXPECTED: readonly (readonly [CardOperation, number])[] = [
  ['verify', 0x6a82],
  ['change', 0x6a82],
  ['select', 0x6983],
  ['select', 0x63c3],
  ['reset', 0x63c2],
  ['reset', 0x6983],
  ['select', 0x6985],
  ['verify', 0x6985],
  ['change', 0x6a80],
  ['select', 0x6400],
  ['tries-left', 0x6401],
  ['verify', 0x6402],
  ['reset', 0x6402],
  ['tries-left', 0x6403],
  ['verify', 0x6d00],
  ['select', 0x6e00],
  ['verify', 0x6700],
  ['verify', 0x9001],
  ['reset', 0x6300],
];

const hex = (sw: number): string => sw.toString(16).toUpperCase();

describe('outcomeForStatusWord', () => {
  it.each(MAPPED.map(([op, sw, kind, tries]) => [op, hex(sw), kind, tries, sw] as const))(
    '%s answered %s → %s (tries %s)',
    (op, _name, kind, tries, sw) => {
      const outcome = outcomeForStatusWord(op, sw);
      expect(outcome.kind).toBe(kind);
      expect(outcome.code).toBe(OUTCOME_KINDS[kind].code);
      expect(outcome.sw).toBe(sw);
      expect(outcome.triesLeft).toBe(tries);
    },
  );

  it('exercises every row of the status word table', () => {
    const used = new Set<StatusWordRule | undefined>(MAPPED.map(([op, sw]) => ruleFor(op, sw)));
    expect(used.has(undefined)).toBe(false);
    expect(STATUS_WORD_RULES.filter((rule) => !used.has(rule))).toEqual([]);
  });

  it.each(UNEXPECTED.map(([op, sw]) => [op, hex(sw), sw] as const))('%s answered %s → unexpected answer carrying the SW', (op, name, sw) => {
    const outcome = outcomeForStatusWord(op, sw);
    expect(outcome.kind).toBe('unexpected-answer');
    expect(outcome.code).toBeNull();
    expect(outcome.sw).toBe(sw);
    expect(outcome.messageEn).toBe(`The card gave an unexpected answer (code ${name.padStart(4, '0')}).`);
    expect(outcome.messageRo).toBe(`Cardul a dat un răspuns neașteptat (cod ${name.padStart(4, '0')}).`);
  });

  it('tells the CAS the CID for a blocked card, the card number for an invalid one', () => {
    expect(outcomeForStatusWord('verify', 0x6983)).toMatchObject({ code: -15, casNeeds: 'CID' });
    expect(outcomeForStatusWord('verify', 0x63c0)).toMatchObject({ code: -15, casNeeds: 'CID' });
    expect(outcomeForStatusWord('select', 0x6a82)).toMatchObject({ code: -17, casNeeds: 'card number' });
    expect(outcomeForStatusWord('select', 0x6283)).toMatchObject({ code: -17, casNeeds: 'card number' });
    expect(outcomeForStatusWord('reset', 0x6982)).toMatchObject({ code: -36, casNeeds: 'CID' });
    expect(outcomeForStatusWord('verify', 0x63c2)).toMatchObject({ code: -14, casNeeds: null });
  });

  it('builds the whole outcome of a wrong PIN', () => {
    expect(outcomeForStatusWord('verify', 0x63c2)).toEqual({
      kind: 'wrong-pin',
      code: -14,
      messageRo: 'PIN greșit. Încercări rămase până la blocarea cardului: 2.',
      messageEn: 'Wrong PIN. Tries left before the card blocks: 2.',
      casNeeds: null,
      nextStep: {
        ro: 'Lăsați pacientul să mai încerce doar dacă își știe sigur PIN-ul. Dacă l-a uitat, opriți-vă: cardul blocat se deblochează numai prin CAS.',
        en: 'Let the patient try again only if they are sure of the PIN. If it is forgotten, stop: a blocked card can be unblocked only through CAS.',
      },
      triesLeft: 2,
      sw: 0x63c2,
    });
  });

  it('cites a source of kind [public], [sdk] or [model] on every row', () => {
    for (const rule of STATUS_WORD_RULES) expect(rule.source).toMatch(/^\[(public|sdk|model)\] \S/);
  });

  it('throws a typed error for a status word that is not 16 bits', () => {
    expect(() => outcomeForStatusWord('verify', 0x1_0000 | 0x6d00)).toThrow(OutcomeDetailError);
    expect(() => outcomeForStatusWord('verify', -1)).toThrow(OutcomeDetailError);
  });
});

describe('outcomeOf', () => {
  const kinds = Object.keys(OUTCOME_KINDS) as OutcomeKind[];

  it.each(kinds)('fills every placeholder of %s given the details', (kind) => {
    const outcome = outcomeOf(kind, { triesLeft: 3, sw: 0x6a82 });
    const texts = [outcome.messageRo, outcome.messageEn, outcome.nextStep.ro, outcome.nextStep.en];
    for (const text of texts) {
      expect(text).not.toMatch(/[{}]/);
      expect(text.length).toBeGreaterThan(10);
    }
    expect(outcome.code).toBe(OUTCOME_KINDS[kind].code);
    expect(outcome.casNeeds).toBe(OUTCOME_KINDS[kind].casNeeds);
  });

  it('leaves triesLeft and sw out when not given', () => {
    const outcome = outcomeOf('no-card');
    expect(outcome).toMatchObject({ kind: 'no-card', code: -8 });
    expect('triesLeft' in outcome).toBe(false);
    expect('sw' in outcome).toBe(false);
  });

  it('refuses a text that needs the tries left without them', () => {
    for (const kind of ['wrong-pin', 'wrong-transport-pin', 'tries-left'] as const) {
      expect(() => outcomeOf(kind)).toThrow(new OutcomeDetailError(`outcome ${kind}: expected triesLeft, got none`));
    }
  });

  it('refuses an unexpected answer without its status word', () => {
    expect(() => outcomeOf('unexpected-answer')).toThrow(/expected a status word, got none/);
  });

  it('refuses tries left outside 0..15', () => {
    expect(() => outcomeOf('wrong-pin', { triesLeft: -1 })).toThrow(OutcomeDetailError);
    expect(() => outcomeOf('wrong-pin', { triesLeft: 16 })).toThrow(OutcomeDetailError);
    expect(() => outcomeOf('wrong-pin', { triesLeft: 1.5 })).toThrow(/expected triesLeft 0\.\.15, got 1\.5/);
  });
});
