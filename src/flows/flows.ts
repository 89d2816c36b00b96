/**
 * The eCard procedures (../shared/seed/notice-en.md, ../shared/docs/ecard.md), one machine each.
 * A PIN command is sent only from the `enter` state, once, with what the user just typed.
 */
import { outcomeForStatusWord, outcomeOf, parseResponseApdu, type Outcome, type OutcomeKind } from '../card';
import { cardMemo, isActive, lastTryAgreed, powerStep, readTriesLeft, selectStep, type CardMemo } from './card-steps';
import { runMachine, type FlowContext, type Machine } from './machine';
import type { PinCommand } from './pin-source';

const PIN_LENGTH = 4;
const TRANSPORT_PIN_LENGTH = 3;

const common = { power: powerStep, select: selectStep } as const;

/** Check card: presence, ATR, SELECT, tries left — no try spent. */
export function checkCard(ctx: FlowContext): Promise<Outcome> {
  const machine: Machine<'power' | 'select' | 'tries', CardMemo> = {
    name: 'check-card',
    operation: 'tries-left',
    start: 'power',
    memo: cardMemo,
    states: { ...common, tries: readTriesLeft },
  };
  return runMachine(machine, ctx);
}

type PinStates = 'power' | 'select' | 'tries' | 'confirm' | 'enter';

/**
 * A PIN command on an active card: read tries left, warn before the last one (declined: `declined`),
 * then send `command` once with what the user types.
 */
function pinOnActiveCard(name: string, operation: 'verify' | 'change', declined: OutcomeKind, command: PinCommand): Machine<PinStates, CardMemo> {
  return {
    name,
    operation,
    start: 'power',
    memo: cardMemo,
    idle: ['confirm'],
    pinStep: 'enter',
    states: {
      ...common,
      tries: async (c, memo) => {
        const status = await readTriesLeft(c, memo);
        return isActive(status) ? 'confirm' : status;
      },
      confirm: async (c, memo) => ((await lastTryAgreed(c, status(memo))) ? 'enter' : outcomeOf(declined)),
      enter: async (c) => answer(operation, await c.pins.send(c.slot, command)),
    },
  };
}

/** Verify PIN: the holder types the PIN; a wrong one costs a try (shown), the last try is warned. */
export function verifyPin(ctx: FlowContext): Promise<Outcome> {
  return runMachine(pinOnActiveCard('verify-pin', 'verify', 'entry-cancelled', { kind: 'verify', prompt: 'pin', length: PIN_LENGTH }), ctx);
}

/** Activate a new card: transport PIN → the holder's own 4-digit PIN. */
export function activateCard(ctx: FlowContext): Promise<Outcome> {
  const machine: Machine<'power' | 'select' | 'tries' | 'enter', CardMemo> = {
    name: 'activate',
    operation: 'activate',
    start: 'power',
    memo: cardMemo,
    pinStep: 'enter',
    states: {
      ...common,
      tries: async (c, memo) => {
        const status = await readTriesLeft(c, memo);
        return status.kind === 'not-activated' ? 'enter' : status;
      },
      enter: async (c) =>
        answer(
          'activate',
          await c.pins.send(c.slot, { kind: 'change', currentPrompt: 'transport', currentLength: TRANSPORT_PIN_LENGTH, newLength: PIN_LENGTH }),
        ),
    },
  };
  return runMachine(machine, ctx);
}

type ResetStates = 'power' | 'select' | 'tries' | 'authorise' | 'enter';

/**
 * Reset PIN eCard (notice steps 1–3): only on a blocked card (else -37); the CAS unblock is
 * confirmed first when an authority is known (else the card's 6982 says -36); the reset PIN 0000 is
 * typed on the terminal, and the card's PIN is then 0000.
 */
export function resetPin(ctx: FlowContext): Promise<Outcome> {
  const machine: Machine<ResetStates, CardMemo> = {
    name: 'reset-pin',
    operation: 'reset',
    start: 'power',
    memo: cardMemo,
    idle: ['authorise'],
    pinStep: 'enter',
    states: {
      ...common,
      tries: async (c, memo) => {
        const status = await readTriesLeft(c, memo);
        if (status.kind === 'blocked') return 'authorise';
        return isActive(status) ? outcomeOf('reset-not-blocked') : status;
      },
      authorise: async (c, memo) => {
        const answerOfCas = c.authority ? await c.authority.confirmUnblocked({ atr: memo.atr ?? new Uint8Array(0) }) : 'unavailable';
        return answerOfCas === 'not-confirmed' ? outcomeOf('reset-not-confirmed') : 'enter';
      },
      enter: async (c) => answer('reset', await c.pins.send(c.slot, { kind: 'reset', length: PIN_LENGTH })),
    },
  };
  return runMachine(machine, ctx);
}

/** Schimbă PIN eCard (notice steps 4–8): current, new, confirm. "PINs differ" spends no try. */
export function changePin(ctx: FlowContext): Promise<Outcome> {
  const command: PinCommand = { kind: 'change', currentPrompt: 'current', currentLength: PIN_LENGTH, newLength: PIN_LENGTH };
  return runMachine(pinOnActiveCard('change-pin', 'change', 'change-cancelled', command), ctx);
}

function answer(operation: Parameters<typeof outcomeForStatusWord>[0], response: Uint8Array): Outcome {
  return outcomeForStatusWord(operation, parseResponseApdu(response).sw);
}

function status(memo: CardMemo): Outcome {
  if (!memo.status) throw new Error('flow state: tries left not read');
  return memo.status;
}
