/**
 * A virtual desk for the hardening tests: one virtual reader from the corpus (with or without PIN
 * pad), one virtual eCard, and each flow set up so that it ends as `done` says when nothing goes wrong.
 */
import { CcidReader, type ReaderOptions } from '../../../src/ccid';
import type { Outcome, OutcomeKind } from '../../../src/card';
import {
  activateCard,
  changePin,
  checkCard,
  pinpadSource,
  resetPin,
  screenSource,
  verifyPin,
  type FlowContext,
} from '../../../src/flows';
import { createCasConsole, createVirtualEcard, type VirtualEcard, type VirtualEcardOptions, type VirtualReader } from '../../../src/sim';
import { virtualReader } from '../../support/readers';

export const PINPAD_READERS = [
  { name: 'CardMan 3821 (APDU, PIN pad)', file: 'CardMan3821.txt' },
  { name: 'GemPC Pinpad (TPDU T=1, PIN pad)', file: 'GemPCPinpad.txt' },
] as const;

export type FlowName = 'check' | 'verify' | 'activate' | 'reset' | 'change' | 'verify-wrong-pin';
/** The five flows with the user's right PINs. */
export const FLOW_NAMES: readonly FlowName[] = ['check', 'verify', 'activate', 'reset', 'change'];

/** The holder's PIN and the new PIN of a change: digits that occur in no header or status word. */
export const OWN_PIN = '7395';
export const NEW_PIN = '8642';
/** Notice: the transport PIN is 000 and the reset PIN 0000 (fixed by the card profile). */
export const RESET_PIN = '0000';
export const TRANSPORT_PIN = '000';
export const WRONG_PIN = '5151';

interface FlowSetup {
  readonly card: VirtualEcardOptions;
  /** What the user types, prompt after prompt, on the PIN pad or (no PIN pad, activation) the screen. */
  readonly typed: readonly string[];
  /** PINs this flow handles that must never show up in a log. */
  readonly secrets: readonly string[];
  readonly run: (ctx: FlowContext) => Promise<Outcome>;
  /** How the flow ends when nothing goes wrong. */
  readonly done: OutcomeKind;
}

export const FLOWS: Readonly<Record<FlowName, FlowSetup>> = {
  check: { card: { state: 'active', pin: OWN_PIN }, typed: [], secrets: [OWN_PIN], run: checkCard, done: 'tries-left' },
  verify: { card: { state: 'active', pin: OWN_PIN }, typed: [OWN_PIN], secrets: [OWN_PIN], run: verifyPin, done: 'ok' },
  // Activation's 3-digit transport PIN does not fit one PIN_MODIFY structure: the screen asks.
  activate: { card: { state: 'transport' }, typed: [TRANSPORT_PIN, NEW_PIN, NEW_PIN], secrets: [TRANSPORT_PIN, NEW_PIN], run: activateCard, done: 'ok' },
  reset: { card: { state: 'blocked', pin: OWN_PIN }, typed: [RESET_PIN], secrets: [OWN_PIN, RESET_PIN], run: resetPin, done: 'ok' },
  'verify-wrong-pin': { card: { state: 'active', pin: OWN_PIN }, typed: [WRONG_PIN], secrets: [OWN_PIN, WRONG_PIN], run: verifyPin, done: 'wrong-pin' },
  change: { card: { state: 'active', pin: OWN_PIN }, typed: [OWN_PIN, NEW_PIN, NEW_PIN], secrets: [OWN_PIN, NEW_PIN], run: changePin, done: 'ok' },
};

export interface Desk {
  readonly virtual: VirtualReader;
  readonly card: VirtualEcard;
  reader: CcidReader;
  /** Runs the flow once, with the user's entries scripted on the PIN pad and the screen. */
  run(): Promise<Outcome>;
}

/** A desk for `flow`: the reader of corpus `file`, with its PIN pad unless `pinpad` is false. */
export async function openDesk(file: string, flow: FlowName, options: ReaderOptions = {}, pinpad = true): Promise<Desk> {
  const setup = FLOWS[flow];
  const virtual = virtualReader(file, { pinpad });
  const card = createVirtualEcard(setup.card);
  const cas = createCasConsole(card);
  if (flow === 'reset') cas.unblock();
  virtual.insert(card);
  const desk: Desk = {
    virtual,
    card,
    reader: await CcidReader.open(virtual.device, options),
    run() {
      for (const digits of setup.typed) virtual.pinpad?.enter(digits);
      const onScreen = [...setup.typed];
      const screen = screenSource(async () => onScreen.shift() ?? null);
      const slot = desk.reader.slots[0];
      if (!slot) throw new Error('virtual reader without slot 0');
      return setup.run({
        slot,
        pins: pinpad ? pinpadSource(screen) : screen,
        confirmLastTry: async () => true,
        authority: cas,
      });
    },
  };
  return desk;
}

/** Numbered bulk transfers (OUT and IN, in call order) of one device; `before(k, direction)` runs before the k-th. */
export function hookBulkTransfers(device: USBDevice, interruptEndpoint: number | null, before: (k: number, direction: USBDirection) => void): () => number {
  let count = 0;
  const transferOut = device.transferOut.bind(device);
  const transferIn = device.transferIn.bind(device);
  device.transferOut = (endpoint, data) => {
    before(count++, 'out');
    return transferOut(endpoint, data);
  };
  device.transferIn = (endpoint, length) => {
    if (endpoint !== interruptEndpoint) before(count++, 'in');
    return transferIn(endpoint, length);
  };
  return () => count;
}
