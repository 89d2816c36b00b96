/**
 * The runner of the flows: each flow is a table of named states, each state one step that returns
 * the next state's name or the final outcome. The runner reports every state (the UI shows "Nu
 * scoateți cardul" while the card works), watches the slot for a removed or swapped card, and turns
 * the driver's typed errors that have an official code into outcomes.
 */
import {
  CardAbsentError,
  CcidTimeoutError,
  DeviceDisconnectedError,
  PinEntryCancelledError,
  PinEntryTimeoutError,
  PinPadRefusalError,
} from '../ccid';
import { outcomeForStatusWord, outcomeOf, type CardOperation, type Outcome, type UnblockAuthority } from '../card';
import { PcscCardAbsentError, PcscReaderGoneError } from '../pcsc';
import type { CardSlot } from './card-slot';
import { PinEntryAbandonedError, ScreenPinsDifferError, type PinSource } from './pin-source';

export interface FlowContext {
  /** The reader's slot, over either transport (card-slot.ts). */
  readonly slot: CardSlot;
  readonly pins: PinSource;
  /** Asked when one try is left, before the PIN is asked for; true to go on. */
  readonly confirmLastTry: () => Promise<boolean>;
  /** Confirms the CAS unblock before a reset; none: the card itself decides (6982 → -36). */
  readonly authority?: UnblockAuthority;
  readonly onState?: (state: FlowState) => void;
}

export interface FlowState {
  readonly flow: string;
  readonly state: string;
  /** The card is working: it must not be removed. */
  readonly cardBusy: boolean;
}

export type Step<S extends string, M> = (ctx: FlowContext, memo: M) => Promise<S | Outcome>;

export interface Machine<S extends string, M> {
  readonly name: string;
  /** What the status words of the PIN step mean (select / tries-left steps say their own). */
  readonly operation: CardOperation;
  readonly start: S;
  readonly states: Readonly<Record<S, Step<S, M>>>;
  /** States in which the card is not touched (waiting for the user). */
  readonly idle?: readonly S[];
  /** The state that sends the PIN command (flows.ts: only one does). */
  readonly pinStep?: S;
  readonly memo: () => M;
}

/** No flow has more states than this; a cycle is a bug, stopped here. */
const MAX_TRANSITIONS = 32;

export async function runMachine<S extends string, M>(machine: Machine<S, M>, ctx: FlowContext): Promise<Outcome> {
  const watch = watchSlot(ctx.slot);
  const memo = machine.memo();
  let state: S = machine.start;
  try {
    for (let transition = 0; transition < MAX_TRANSITIONS; transition++) {
      ctx.onState?.({ flow: machine.name, state, cardBusy: !(machine.idle ?? []).includes(state) });
      const next = await machine.states[state](ctx, memo);
      const moved = watch.outcome();
      if (moved) return moved;
      if (typeof next !== 'string') return next;
      state = next;
    }
    throw new Error(`flow ${machine.name}: more than ${MAX_TRANSITIONS} transitions`);
  } catch (error) {
    // A reader that went away took its card with it: pcsc-lite reports the card removed before it
    // drops the reader (its event thread finds the slot empty before udev tells its hotplug thread;
    // seen with pcscd 1.9.9 + libccid), so the reader's departure is the outcome (-9), not the removal it caused.
    if (readerGone(error)) return readerLeft(state === machine.pinStep);
    return watch.outcome() ?? outcomeOfError(machine.operation, error);
  } finally {
    watch.stop();
    ctx.onState?.({ flow: machine.name, state: 'done', cardBusy: false });
  }
}

/**
 * -9. Gone in the PIN step, the command may have reached the card (a PIN pad sends it to the card as
 * soon as the entry is complete) and its answer was lost with the reader: the card may have done it.
 */
function readerLeft(inPinStep: boolean): Outcome {
  const outcome = outcomeOf('reader-not-connected');
  return inPinStep ? { ...outcome, pinCommandUnanswered: true } : outcome;
}

const readerGone = (error: unknown): boolean => error instanceof DeviceDisconnectedError || error instanceof PcscReaderGoneError;

/** The transport errors a provider can meet mid-flow (CCID or PC/SC), as outcomes with their official codes. */
function outcomeOfError(operation: CardOperation, error: unknown): Outcome {
  if (error instanceof CardAbsentError || error instanceof PcscCardAbsentError) return outcomeOf('no-card');
  if (error instanceof CcidTimeoutError) return outcomeOf('timeout');
  // PIN pad refusals (PC/SC part 10 §2.5.2/§2.5.3) and the screen's own: nothing reached the card.
  if (error instanceof PinPadRefusalError) return outcomeForStatusWord(operation, error.statusWord);
  if (error instanceof PinEntryTimeoutError) return outcomeForStatusWord(operation, 0x6400);
  if (error instanceof PinEntryCancelledError || error instanceof PinEntryAbandonedError) {
    return outcomeForStatusWord(operation, 0x6401);
  }
  if (error instanceof ScreenPinsDifferError) return outcomeForStatusWord(operation, 0x6402);
  throw error;
}

/** Removal during a flow ends it: -8 when the slot stays empty, -61 when another card came in. */
function watchSlot(slot: CardSlot) {
  let removed = false;
  let present = true;
  const stop = slot.onCardChange((now) => {
    if (!now) removed = true;
    present = now;
  });
  return {
    stop,
    outcome: (): Outcome | null => (removed ? outcomeOf(present ? 'card-swapped' : 'no-card') : null),
  };
}
