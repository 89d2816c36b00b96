import { describe, it, expect } from 'vitest';
import { OUTCOME_KINDS } from './outcome-kinds';

describe('OUTCOME_KINDS', () => {
  it('gives each official code of ecard.md to exactly one kind', () => {
    const byCode = Object.entries(OUTCOME_KINDS)
      .filter(([, facts]) => facts.code !== null)
      .map(([kind, facts]) => [facts.code, kind] as const)
      .sort(([a], [b]) => (b ?? 0) - (a ?? 0));
    expect(byCode).toEqual([
      [-5, 'card-state-invalid'],
      [-8, 'no-card'],
      [-9, 'reader-not-connected'],
      [-10, 'several-readers'],
      [-14, 'wrong-pin'],
      [-15, 'blocked'],
      [-17, 'card-invalid'],
      [-20, 'activation-cancelled'],
      [-21, 'not-activated'],
      [-22, 'change-failed'],
      [-23, 'change-cancelled'],
      [-36, 'reset-not-confirmed'],
      [-37, 'reset-not-blocked'],
      [-40, 'pin-length'],
      [-41, 'wrong-reset-pin'],
      [-42, 'wrong-transport-pin'],
      [-54, 'timeout'],
      [-61, 'card-swapped'],
    ]);
  });
  it('asks for the CID for blocked cards and the card number for invalid ones, nothing else', () => {
    const needs = Object.entries(OUTCOME_KINDS)
      .filter(([, facts]) => facts.casNeeds !== null)
      .map(([kind, facts]) => [kind, facts.casNeeds]);
    expect(needs).toEqual([
      ['card-state-invalid', 'card number'],
      ['blocked', 'CID'],
      ['card-invalid', 'card number'],
      ['reset-not-confirmed', 'CID'],
    ]);
  });
});
