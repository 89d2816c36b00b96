import { describe, it, expect } from 'vitest';
import { outcomeOf, type OutcomeKind } from '../../card';
import { allowedActions } from './use-patient-desk';

const allowed = (kind: OutcomeKind, triesLeft?: number) =>
  [...allowedActions(outcomeOf(kind, triesLeft === undefined ? {} : { triesLeft }))].sort();

describe('which card operations the Pacienți window offers', () => {
  it('an active card: Verifică PIN and Schimbă PIN eCard only', () => {
    expect(allowed('tries-left', 3)).toEqual(['change', 'verify']);
    expect(allowed('ok')).toEqual(['change', 'verify']);
  });

  it('a blocked card: Reset PIN eCard only', () => {
    expect(allowed('blocked')).toEqual(['reset']);
  });

  it('a transport card: Activează card only', () => {
    expect(allowed('not-activated')).toEqual(['activate']);
  });

  it.each<OutcomeKind>(['card-invalid', 'card-state-invalid', 'no-card', 'several-readers', 'timeout'])('%s: nothing', (kind) => {
    expect(allowed(kind)).toEqual([]);
  });

  it('no check yet: nothing', () => {
    expect([...allowedActions(null)]).toEqual([]);
  });
});
