/**
 * The Pacienți window's state: the card status from the last check, the operation running (its
 * flow state), the on-screen keypad request, the last-try question, the last outcome, the guided
 * procedure the card calls for, and the operations of the slip. Views render it; the flows
 * (src/flows) do the card work. All of it lives in memory only, for the card in the reader.
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
import { nextAction, nextProcedure, type Procedure, type ProcedureEvent } from './procedure';

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

/** An operation of the slip ("Tipărește fișa"): what, when, on which reader, how it ended. No PIN. */
export interface SlipRecord {
  readonly action: Exclude<PatientAction, 'verify'>;
  readonly time: Date;
  readonly reader: string;
  readonly outcome: Outcome;
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
  /** `movedOn`: the outcome moved the procedure on to its next button, which takes the focus. */
  const [outcome, setOutcome] = useState<{ readonly action: PatientAction | 'check'; readonly outcome: Outcome; readonly movedOn: boolean } | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [operation, setOperation] = useState<Operation | null>(null);
  const [keypad, setKeypad] = useState<KeypadRequest | null>(null);
  const [lastTry, setLastTry] = useState<{ answer(go: boolean): void } | null>(null);
  const [procedure, setProcedure] = useState<Procedure | null>(null);
  const [slip, setSlip] = useState<readonly SlipRecord[]>([]);
  /** Counts the moments the focus should go to the procedure's next button (after the provider moved it on). */
  const [focusNext, setFocusNext] = useState(0);
  const running = useRef(false);
  /**
   * A PIN command went out and the reader left before its answer (Outcome.pinCommandUnanswered):
   * the checks that follow (the reader plugged back in) keep saying so, until the next operation or
   * until a card is taken out of a connected reader (it may be another patient's next).
   */
  const unanswered = useRef(false);
  const procedureNow = useRef(procedure);
  procedureNow.current = procedure;
  const moveProcedure = (event: ProcedureEvent) => {
    procedureNow.current = nextProcedure(procedureNow.current, event);
    setProcedure(procedureNow.current);
  };
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
  // Read when a slip line is written: the name may still change (the corpus name comes later), the card check must not rerun for it.
  const readerName = useRef('');
  readerName.current = entry?.name ?? '';
  const cardPresent = entry?.cardPresent ?? null;
  const forgetCard = () => {
    procedureNow.current = null;
    setProcedure(null);
    setSlip([]);
  };

  const run = useCallback(
    async (action: PatientAction | 'check') => {
      if (!slot || running.current) return;
      running.current = true;
      const pinpad = slot.pinpad;
      setOperation({ action, pinpad, state: null });
      setFailure(null);
      if (action !== 'check') {
        unanswered.current = false;
        setOutcome(null);
        moveProcedure({ type: 'started', action });
      }
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
      const checked = (status: Outcome | null) => {
        setStatus(status);
        if (status) moveProcedure({ type: 'checked', status });
      };
      try {
        const flowResult = await FLOWS[action](ctx);
        if (flowResult.pinCommandUnanswered) unanswered.current = true;
        const result: Outcome = unanswered.current ? { ...flowResult, pinCommandUnanswered: true } : flowResult;
        setAtr(slot.atr);
        if (action === 'check') {
          setOutcome({ action, outcome: result, movedOn: false });
          checked(result);
        } else {
          const before = procedureNow.current;
          moveProcedure({ type: 'finished', action, outcome: result });
          const after = procedureNow.current;
          // The procedure moved on to another button (Reset → Schimbă PIN eCard): the focus goes there.
          const movedOn = before !== null && after !== null && after.at > before.at && nextAction(after, authority !== undefined) !== null;
          setOutcome({ action, outcome: result, movedOn });
          if (action !== 'verify') setSlip((kept) => [...kept, { action, time: new Date(), reader: readerName.current, outcome: result }]);
          if (result.kind !== 'no-card' && result.kind !== 'reader-not-connected' && result.kind !== 'card-swapped') {
            // The card changed state (reset, activation, a wrong PIN): the buttons follow it.
            checked(await checkCard({ ...ctx, onState: () => undefined }));
          } else setStatus(null);
          if (movedOn) setFocusNext((n) => n + 1);
        }
      } catch (error) {
        setFailure(error);
        // A broken exchange may have reached the card after the PIN went out: show what the card says now.
        if (action !== 'check') checked(await checkCard({ ...ctx, onState: () => undefined }).catch(() => null));
      } finally {
        running.current = false;
        setOperation(null);
        setKeypad(null);
        setLastTry(null);
      }
    },
    [slot, authority],
  );

  // Check the card as soon as the reader is open with a card in it, and at each insertion. A card
  // that comes in starts afresh: no procedure, no slip of the card before it.
  const presence = useRef<boolean | null>(null);
  useEffect(() => {
    const before = presence.current;
    presence.current = slot ? cardPresent : null;
    if (slot && cardPresent === false) unanswered.current = false;
    if (!slot || cardPresent !== true) {
      setStatus(null);
      setAtr(null);
      if (!slot || (wipeOnRemoval && cardPresent === false)) {
        setOutcome(null);
        forgetCard();
      }
      return;
    }
    if (before !== true) forgetCard();
    void run('check');
  }, [slot, cardPresent, run, wipeOnRemoval]);

  /** The provider's word that the CAS did its part ("CAS a deblocat cardul"). */
  const confirmCas = useCallback(() => {
    moveProcedure({ type: 'confirmed' });
    setFocusNext((n) => n + 1);
  }, []);

  return { status, atr, outcome, failure, operation, keypad, lastTry, run, procedure, confirmCas, focusNext, slip };
}
