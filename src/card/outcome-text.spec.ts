import { describe, it, expect } from 'vitest';
import { ECARD_PROFILE } from './ecard-profile';
import { OUTCOME_KINDS, type OutcomeKind } from './outcome-kinds';
import { OUTCOME_TEXT_EN, OUTCOME_TEXT_RO } from './outcome-text';

const kinds = Object.keys(OUTCOME_KINDS) as OutcomeKind[];
const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
const allRo = kinds.flatMap((k) => [OUTCOME_TEXT_RO[k].message, OUTCOME_TEXT_RO[k].nextStep]).join('\n');

describe('outcome texts', () => {
  it('cover exactly the outcome kinds, in both languages', () => {
    expect(Object.keys(OUTCOME_TEXT_RO).sort()).toEqual([...kinds].sort());
    expect(Object.keys(OUTCOME_TEXT_EN).sort()).toEqual([...kinds].sort());
  });
  it.each(kinds)('%s: the same placeholders in Romanian and English, only {tries} and {sw}', (kind) => {
    const ro = OUTCOME_TEXT_RO[kind];
    const en = OUTCOME_TEXT_EN[kind];
    expect(placeholders(ro.message + ro.nextStep)).toEqual(placeholders(en.message + en.nextStep));
    for (const name of placeholders(ro.message + ro.nextStep)) expect(['tries', 'sw']).toContain(name);
  });
  it.each(kinds)('%s: whole sentences ending with a full stop', (kind) => {
    for (const text of [OUTCOME_TEXT_RO[kind], OUTCOME_TEXT_EN[kind]].flatMap((t) => [t.message, t.nextStep])) {
      expect(text).toMatch(/^[A-ZĂÂÎȘȚ].*\.$/s);
    }
  });
  it('writes Romanian with comma-below ș ț, never the cedilla forms ş ţ', () => {
    expect(allRo).not.toMatch(/[şţŞŢ]/);
    for (const letter of ['ș', 'ț', 'ă', 'â', 'î']) expect(allRo).toContain(letter);
  });
  it('tells what the CAS needs in the next step of every kind that needs the CAS', () => {
    for (const kind of kinds) {
      const needs = OUTCOME_KINDS[kind].casNeeds;
      if (needs === 'CID') {
        expect(OUTCOME_TEXT_RO[kind].nextStep).toContain('CID');
        expect(OUTCOME_TEXT_EN[kind].nextStep).toContain('CID');
      }
      if (needs === 'card number') {
        expect(OUTCOME_TEXT_RO[kind].nextStep).toContain('numărul cardului');
        expect(OUTCOME_TEXT_EN[kind].nextStep).toContain('card number');
      }
    }
  });
  it('quotes the profile: reset PIN, transport PIN and PIN length', () => {
    const { resetPin, transportPin, pinLength } = ECARD_PROFILE;
    for (const texts of [OUTCOME_TEXT_RO, OUTCOME_TEXT_EN]) {
      expect(texts.blocked.nextStep).toContain(` ${resetPin.value}`);
      expect(texts['wrong-reset-pin'].message).toContain(` ${resetPin.value} `);
      expect(texts['not-activated'].nextStep).toContain(` ${transportPin.value},`);
      expect(texts['wrong-transport-pin'].nextStep).toContain(` ${transportPin.value}.`);
      expect(texts['pin-length'].message).toContain(` ${pinLength.value} `);
    }
  });
  it('uses the button names of the official software', () => {
    expect(OUTCOME_TEXT_RO.blocked.nextStep).toContain('Reset PIN eCard');
    expect(OUTCOME_TEXT_RO.blocked.nextStep).toContain('Schimbă PIN eCard');
    expect(OUTCOME_TEXT_EN.blocked.nextStep).toContain('Schimbă PIN eCard');
  });
});
