import { describe, it, expect } from 'vitest';
import { outcomeOf, type OutcomeKind } from '../../card';
import { PROCEDURES, currentStep, isFinished, nextAction, nextProcedure, type Procedure, type ProcedureEvent } from './procedure';
import type { PatientAction } from './use-patient-desk';

const checked = (kind: OutcomeKind, triesLeft?: number): ProcedureEvent => ({
  type: 'checked',
  status: outcomeOf(kind, triesLeft === undefined ? {} : { triesLeft }),
});
const finished = (action: PatientAction, kind: OutcomeKind): ProcedureEvent => ({ type: 'finished', action, outcome: outcomeOf(kind, kind === 'wrong-pin' ? { triesLeft: 4 } : {}) });
const started = (action: PatientAction): ProcedureEvent => ({ type: 'started', action });
const confirmed: ProcedureEvent = { type: 'confirmed' };

/** The procedure after `events`, from none; each step's id for short assertions. */
function after(...events: ProcedureEvent[]): Procedure | null {
  return events.reduce<Procedure | null>((procedure, event) => nextProcedure(procedure, event), null);
}
const stepOf = (procedure: Procedure | null) => (procedure ? `${procedure.kind}:${currentStep(procedure).id}` : null);

describe('the blocked-card procedure (the notice: CAS call with the CID → unblock → Reset 0000 → Schimbă → done)', () => {
  it('starts at the CAS call when a check finds the card blocked', () => {
    expect(stepOf(after(checked('blocked')))).toBe('blocked:call-cas');
  });

  it('goes to Reset PIN eCard when the provider confirms the CAS unblocked the card (both phone steps ticked)', () => {
    const procedure = after(checked('blocked'), confirmed);
    expect(stepOf(procedure)).toBe('blocked:reset');
    expect(procedure?.at).toBe(2);
  });

  it('keeps the confirmation through the checks that follow while the card is still blocked', () => {
    expect(stepOf(after(checked('blocked'), confirmed, checked('blocked')))).toBe('blocked:reset');
  });

  it('Reset → Schimbă → done, the active card between them staying in the procedure', () => {
    const steps = [
      after(checked('blocked'), confirmed, started('reset'), finished('reset', 'ok')),
      after(checked('blocked'), confirmed, started('reset'), finished('reset', 'ok'), checked('tries-left', 5)),
      after(checked('blocked'), confirmed, started('reset'), finished('reset', 'ok'), checked('tries-left', 5), started('change'), finished('change', 'ok')),
    ];
    expect(steps.map(stepOf)).toEqual(['blocked:change', 'blocked:change', 'blocked:done']);
    expect(isFinished(steps[2] as Procedure)).toBe(true);
  });

  it('pressing Reset without the confirmation puts the procedure at the reset; -36 sends it back to the CAS call', () => {
    expect(stepOf(after(checked('blocked'), started('reset')))).toBe('blocked:reset');
    expect(stepOf(after(checked('blocked'), confirmed, started('reset'), finished('reset', 'reset-not-confirmed')))).toBe('blocked:call-cas');
  });

  it('a cancelled reset or a failed change leaves the current step as it is', () => {
    expect(stepOf(after(checked('blocked'), confirmed, started('reset'), finished('reset', 'entry-cancelled')))).toBe('blocked:reset');
    const atChange = [checked('blocked'), confirmed, started('reset'), finished('reset', 'ok'), checked('tries-left', 5)];
    expect(stepOf(after(...atChange, started('change'), finished('change', 'pins-differ')))).toBe('blocked:change');
    expect(stepOf(after(...atChange, started('change'), finished('change', 'wrong-pin'), checked('tries-left', 4)))).toBe('blocked:change');
  });

  it('blocked again after the reset (five wrong PINs at the change) starts over', () => {
    const atChange = [checked('blocked'), confirmed, started('reset'), finished('reset', 'ok'), checked('tries-left', 1)];
    expect(stepOf(after(...atChange, started('change'), finished('change', 'wrong-pin'), checked('blocked')))).toBe('blocked:call-cas');
  });

  it('an active card with no reset behind it has no procedure', () => {
    expect(after(checked('blocked'), confirmed, checked('tries-left', 5))).toBeNull();
    expect(after(checked('tries-left', 3))).toBeNull();
  });

  it('a confirmation where the step asks for none changes nothing', () => {
    const atChange = after(checked('blocked'), confirmed, started('reset'), finished('reset', 'ok'));
    expect(nextProcedure(atChange, confirmed)).toEqual(atChange);
  });
});

describe('the invalid-card procedure (CAS call with the card number; nothing on the card)', () => {
  it.each<OutcomeKind>(['card-invalid', 'card-state-invalid'])('%s: the CAS call, then done on the provider’s word', (kind) => {
    expect(stepOf(after(checked(kind)))).toBe('invalid:call-cas');
    expect(stepOf(after(checked(kind), confirmed))).toBe('invalid:done');
  });

  it('done too when a later check finds the card working', () => {
    expect(stepOf(after(checked('card-invalid'), checked('tries-left', 5)))).toBe('invalid:done');
  });

  it('no step of it is an operation on the card', () => {
    expect(PROCEDURES.invalid.map((step) => step.action)).toEqual([undefined, undefined, undefined]);
  });
});

describe('activation', () => {
  it('activate, then done; the checks after it keep it done', () => {
    expect(stepOf(after(checked('not-activated')))).toBe('activation:activate');
    const done = after(checked('not-activated'), started('activate'), finished('activate', 'ok'), checked('tries-left', 5));
    expect(stepOf(done)).toBe('activation:done');
  });

  it('a cancelled activation stays at the activation', () => {
    expect(stepOf(after(checked('not-activated'), started('activate'), finished('activate', 'activation-cancelled'), checked('not-activated')))).toBe(
      'activation:activate',
    );
  });
});

describe('other outcomes', () => {
  it.each<OutcomeKind>(['no-card', 'timeout', 'reader-not-connected', 'card-swapped'])('a check that says %s changes nothing', (kind) => {
    const procedure = after(checked('blocked'), confirmed);
    expect(nextProcedure(procedure, checked(kind))).toEqual(procedure);
  });

  it('without a procedure, events other than a check change nothing', () => {
    expect(after(confirmed, started('reset'), finished('reset', 'ok'))).toBeNull();
  });
});

describe('the next operation button', () => {
  it('is the current step’s', () => {
    expect(nextAction(after(checked('blocked'), confirmed) as Procedure, false)).toBe('reset');
    expect(nextAction(after(checked('not-activated')) as Procedure, false)).toBe('activate');
  });

  it('is none during the CAS call when the provider confirms it', () => {
    expect(nextAction(after(checked('blocked')) as Procedure, false)).toBeNull();
    expect(nextAction(after(checked('card-invalid')) as Procedure, true)).toBeNull();
  });

  it('is Reset PIN eCard during the CAS call when an authority confirms the unblock itself', () => {
    expect(nextAction(after(checked('blocked')) as Procedure, true)).toBe('reset');
  });

  it('is none once the procedure is done', () => {
    expect(nextAction(after(checked('card-invalid'), confirmed) as Procedure, false)).toBeNull();
  });
});
