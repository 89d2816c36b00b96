/**
 * "Mod instruire": the virtual terminal (its display and keys drive the virtual PIN pad exactly as
 * a provider drives the real one), the state of the card in the reader now, the picker of the next
 * card to insert, and the CAS console. The desk itself (src/sim/training.ts) is loaded on demand;
 * this view only holds it. The page docks it beside the Pacienți window, so the terminal and the
 * prompt it answers are on screen together.
 */
import { useEffect, useState } from 'preact/hooks';
import type { TrainingDesk } from '../../sim/training';
import type { PinPadKey, PinPrompt, VirtualEcardState } from '../../sim';
import { useText, type MessageKey } from '../i18n';
import type { PatientAction } from '../patients/use-patient-desk';

const PROMPT_KEY: Record<PinPrompt['kind'], MessageKey> = {
  pin: 'promptPin',
  current: 'promptCurrent',
  new: 'promptNew',
  confirm: 'promptConfirm',
};

const STATES: readonly [VirtualEcardState, MessageKey][] = [
  ['active', 'stateActiveOption'],
  ['blocked', 'stateBlockedOption'],
  ['invalid', 'stateInvalidOption'],
  ['transport', 'stateTransportOption'],
];

const KEYS: readonly PinPadKey[] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

/** The real terminal words its single prompt by the operation: "PIN-ul de reset?" for a reset (ecard.md). */
const promptText = (prompt: PinPrompt, action: PatientAction | null): MessageKey =>
  prompt.kind === 'pin' && action === 'reset' ? 'promptReset' : PROMPT_KEY[prompt.kind];

function VirtualTerminal({ desk, action }: { readonly desk: TrainingDesk; readonly action: PatientAction | null }) {
  const t = useText();
  const pinpad = desk.reader.pinpad;
  const [prompt, setPrompt] = useState<PinPrompt | null>(pinpad?.prompt ?? null);
  const [typed, setTyped] = useState(0);
  const [left, setLeft] = useState(0);

  useEffect(
    () =>
      pinpad?.onPrompt((next) => {
        setPrompt(next);
        setTyped(0);
      }),
    [pinpad],
  );
  useEffect(() => {
    if (!prompt) return;
    const started = Date.now();
    setLeft(prompt.timeoutSeconds);
    const timer = setInterval(() => setLeft(Math.max(0, prompt.timeoutSeconds - Math.floor((Date.now() - started) / 1000))), 250);
    return () => clearInterval(timer);
  }, [prompt]);

  if (!pinpad) return null;
  const press = (key: PinPadKey) => {
    pinpad.press(key);
    setTyped(pinpad.digitsEntered);
  };
  return (
    <div class="terminal" role="group" aria-label={t('virtualTerminal')} data-testid="virtual-terminal">
      <h3>{t('virtualTerminal')}</h3>
      <div class="lcd" aria-live="polite" data-testid="terminal-lcd">
        {prompt ? (
          <>
            <span>{t(promptText(prompt, action))}</span> <span aria-hidden="true">{'*'.repeat(typed)}</span>
            <span class="lcd-time">{left} s</span>
          </>
        ) : (
          t('terminalIdle')
        )}
      </div>
      <div class="keys" role="group" aria-label={t('terminalKeys')}>
        {KEYS.map((k) => (
          <button key={k} type="button" disabled={!prompt} onClick={() => press(k)}>
            {k}
          </button>
        ))}
      </div>
      <div class="actions">
        <button type="button" class="key-cancel" disabled={!prompt} onClick={() => press('cancel')}>
          {t('cancel')}
        </button>
        <button type="button" class="key-correction" disabled={!prompt} onClick={() => press('correction')}>
          {t('correction')}
        </button>
        <button type="button" class="key-ok" disabled={!prompt} onClick={() => press('ok')}>
          {t('ok')}
        </button>
      </div>
    </div>
  );
}

/** How the trainer's side names the state of the card in the reader (the card's own truth, not the app's check). */
const NOW: Record<VirtualEcardState, MessageKey> = {
  active: 'stateActiveOption',
  blocked: 'stateBlockedOption',
  invalid: 'stateInvalidOption',
  transport: 'stateTransportOption',
};

export function TrainingPanel({ desk, action }: { readonly desk: TrainingDesk; readonly action: PatientAction | null }) {
  const t = useText();
  const [next, setNext] = useState<VirtualEcardState>('blocked');
  const [casSaid, setCasSaidOnly] = useState<MessageKey | null>(null);
  // The card's state is read at each render: the panel renders again after every operation (action),
  // and after every CAS action and new card (this counter).
  const [, touched] = useState(0);
  const setCasSaid = (said: MessageKey | null) => {
    setCasSaidOnly(said);
    touched((n) => n + 1);
  };
  const now = desk.card.state();
  const unblocked = now === 'blocked' && desk.card.cas.resetAuthorised();
  return (
    <section class="training" aria-labelledby="training-heading" data-testid="training">
      <h2 id="training-heading">{t('trainingHeading')}</h2>
      <VirtualTerminal desk={desk} action={action} />
      <p class="card-now">
        {t('cardNow')}: <strong data-testid="training-card-now">{t(unblocked ? 'stateUnblockedOption' : NOW[now])}</strong>
      </p>
      <h3>{t('cardNextHeading')}</h3>
      <div class="actions">
        <label>
          {t('cardStatePicker')}{' '}
          <select value={next} onChange={(e) => setNext(e.currentTarget.value as VirtualEcardState)} data-testid="card-state-picker">
            {STATES.map(([value, label]) => (
              <option key={value} value={value}>
                {t(label)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="secondary" onClick={() => (setCasSaid(null), desk.insertCard(next))}>
          {t('insertCard')}
        </button>
      </div>
      <h3>{t('casConsole')}</h3>
      <div class="actions">
        <button type="button" class="secondary" onClick={() => setCasSaid(desk.cas.unblock() === 'unblocked' ? 'casUnblocked' : 'casNotBlocked')}>
          {t('casUnblock')}
        </button>
        <button type="button" class="secondary" onClick={() => (desk.cas.invalidate(), setCasSaid('casInvalidated'))}>
          {t('casInvalidate')}
        </button>
        <button type="button" class="secondary" onClick={() => (desk.cas.revalidate(), setCasSaid('casRevalidated'))}>
          {t('casRevalidate')}
        </button>
      </div>
      {casSaid && (
        <p role="status" data-testid="cas-said">
          {t(casSaid)}
        </p>
      )}
    </section>
  );
}
