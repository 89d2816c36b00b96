/**
 * The Pacienți window's state: the card status from the last check, the operation running (its
 * flow state), the on-screen keypad request, the last-try question, and the last outcome.
 * Views render it; the flows (src/flows) do the card work.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Outcome, UnblockAuthority } from '../../card';
import {
  activateCard,
  changePin,
  checkCard,
  pinpadSource,
  resetPin,
  screenSource,
  verifyPin,
  type FlowContext,
  type FlowState,
  type PinPrompt,
} from '../../flows';
import { readerSlot, type ReaderEntry } from '../readers/use-readers';

export type PatientAction = 'verify' | 'reset' | 'change' | 'activate';

const FLOWS: Record<PatientAction | 'check', (ctx: FlowContext) => Promise<Outcome>> = {
  check: checkCard,
  verify: verifyPin,
  reset: resetPin,
  change: changePin,
  activate: activateCard,
};

/** The on-screen keypad asks for one PIN; `answer(null)` is Cancel. */
export interface KeypadRequest {
  readonly prompt: PinPrompt;
  readonly length: number;
  answer(digits: string | null): void;
}

export interface Operation {
  readonly action: PatientAction | 'check';
  /** The reader's PIN pad takes the PIN (else the screen keypad). */
  readonly pinpad: boolean;
  readonly state: FlowState | null;
}

/** Which buttons make sense for the card's last checked status. */
export function allowedActions(status: Outcome | null): ReadonlySet<PatientAction> {
  switch (status?.kind) {
    case 'tries-left':
    case 'ok':
      return new Set(['verify', 'change']);
    case 'blocked':
      return new Set(['reset']);
    case 'not-activated':
      return new Set(['activate']);
    default:
      return new Set();
  }
}

/**
 * `wipeOnRemoval` (kiosk): the outcome leaves the screen with the card. A keypad or question still
 * open when the window goes away is answered "cancel", so no flow is left waiting.
 */
export function usePatientDesk(entry: ReaderEntry | null, authority: UnblockAuthority | undefined, wipeOnRemoval = false) {
  const [status, setStatus] = useState<Outcome | null>(null);
  /** The ATR of the last check (null before one, or when the card left). */
  const [atr, setAtr] = useState<Uint8Array | null>(null);
  const [outcome, setOutcome] = useState<{ readonly action: PatientAction | 'check'; readonly outcome: Outcome } | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [operation, setOperation] = useState<Operation | null>(null);
  const [keypad, setKeypad] = useState<KeypadRequest | null>(null);
  const [lastTry, setLastTry] = useState<{ answer(go: boolean): void } | null>(null);
  const running = useRef(false);
  const pending = useRef<{ keypad: KeypadRequest | null; lastTry: { answer(go: boolean): void } | null }>({ keypad: null, lastTry: null });
  pending.current = { keypad, lastTry };
  useEffect(
    () => () => {
      pending.current.keypad?.answer(null);
      pending.current.lastTry?.answer(false);
    },
    [],
  );
  const slot = entry ? readerSlot(entry) : null;
  const cardPresent = entry?.cardPresent ?? null;

  const run = useCallback(
    async (action: PatientAction | 'check') => {
      if (!slot || running.current) return;
      running.current = true;
      const pinpad = slot.pinpad;
      setOperation({ action, pinpad, state: null });
      setFailure(null);
      if (action !== 'check') setOutcome(null);
      const screen = screenSource(
        (prompt, length) =>
          new Promise<string | null>((resolve) =>
            setKeypad({
              prompt,
              length,
              answer: (digits) => {
                setKeypad(null);
                resolve(digits);
              },
            }),
          ),
      );
      const ctx: FlowContext = {
        slot,
        pins: pinpad ? pinpadSource(screen) : screen,
        confirmLastTry: () =>
          new Promise<boolean>((resolve) =>
            setLastTry({
              answer: (go) => {
                setLastTry(null);
                resolve(go);
              },
            }),
          ),
        onState: (state) => setOperation({ action, pinpad, state }),
        ...(authority ? { authority } : {}),
      };
      try {
        const result = await FLOWS[action](ctx);
        setOutcome({ action, outcome: result });
        setAtr(slot.atr);
        if (action === 'check') setStatus(result);
        else if (result.kind !== 'no-card' && result.kind !== 'reader-not-connected' && result.kind !== 'card-swapped') {
          // The card changed state (reset, activation, a wrong PIN): the buttons follow it.
          setStatus(await checkCard({ ...ctx, onState: () => undefined }));
        } else setStatus(null);
      } catch (error) {
        setFailure(error);
        // A broken exchange may have reached the card after the PIN went out: show what the card says now.
        if (action !== 'check') setStatus(await checkCard({ ...ctx, onState: () => undefined }).catch(() => null));
      } finally {
        running.current = false;
        setOperation(null);
        setKeypad(null);
        setLastTry(null);
      }
    },
    [slot, authority],
  );

  // Check the card as soon as the reader is open with a card in it, and at each insertion.
  useEffect(() => {
    if (!slot || cardPresent !== true) {
      setStatus(null);
      setAtr(null);
      if (!slot || (wipeOnRemoval && cardPresent === false)) setOutcome(null);
      return;
    }
    void run('check');
  }, [slot, cardPresent, run, wipeOnRemoval]);

  return { status, atr, outcome, failure, operation, keypad, lastTry, run };
}
