/**
 * The working part of the Pacienți window, loaded with the eCard engine once a reader is known:
 * reader and card status, the guided procedure the card calls for, the four operations (each
 * enabled only when the last check says it makes sense; the procedure's next one marked), the
 * operation in progress, the last-try question, the outcome, and the slip to print.
 */
import { useContext, useEffect, useRef } from 'preact/hooks';
import { isEcardAtr, type Outcome, type UnblockAuthority } from '../../card';
import { PINPAD_TIMEOUT_SECONDS, theOnlyReader } from '../../flows';
import { LanguageContext, useText, type MessageKey } from '../i18n';
import { ErrorNote } from '../readers';
import { readerSlot, type ReaderEntry } from '../readers/use-readers';
import { OperationPanel } from './operation-panel';
import { OutcomeView } from './outcome-view';
import { nextAction } from './procedure';
import { CURRENT_STEP_ID, ProcedureChecklist } from './procedure-view';
import { Slip } from './slip';
import { allowedActions, usePatientDesk, type PatientAction } from './use-patient-desk';

const ACTIONS: readonly [PatientAction, MessageKey][] = [
  ['verify', 'actVerify'],
  ['reset', 'actReset'],
  ['change', 'actChange'],
  ['activate', 'actActivate'],
];

function stateText(status: Outcome): MessageKey {
  switch (status.kind) {
    case 'tries-left':
      return 'statusActive';
    case 'ok':
      return 'statusVerified';
    case 'blocked':
      return 'statusBlocked';
    case 'card-invalid':
    case 'card-state-invalid':
      return 'statusInvalid';
    case 'not-activated':
      return 'statusTransport';
    default:
      return 'statusUnknown';
  }
}

export interface PatientsDeskProps {
  readonly entries: readonly ReaderEntry[];
  /** The CAS that confirms an unblock (the training console); none for real cards. */
  readonly authority: UnblockAuthority | undefined;
  readonly storage: Storage | null;
  /** Kiosk: patient data leaves the screen with the card. */
  readonly kiosk: boolean;
  /** Told which operation runs (null when none): the training terminal words its prompts by it. */
  readonly onAction: (action: PatientAction | null) => void;
  /** Opens the print dialog: the print style sheet prints the slip alone. */
  readonly print: () => void;
}

export function PatientsDesk({ entries, authority, storage, kiosk, onAction, print }: PatientsDeskProps) {
  const t = useText();
  const language = useContext(LanguageContext);
  const only = theOnlyReader(entries.filter((e) => readerSlot(e) !== null));
  const entry = 'kind' in only ? null : only;
  const desk = usePatientDesk(entry, authority, kiosk);
  const allowed = allowedActions(desk.status);
  const { status, operation } = desk;
  const running = operation && operation.action !== 'check' ? operation.action : null;
  useEffect(() => onAction(running), [running, onAction]);
  const next = desk.procedure ? nextAction(desk.procedure, authority !== undefined) : null;
  const buttons = useRef<Partial<Record<PatientAction, HTMLButtonElement | null>>>({});
  // The provider moved the procedure on (the CAS confirmed, the reset done): its next button takes the focus.
  useEffect(() => {
    if (desk.focusNext > 0 && next) buttons.current[next]?.focus();
  }, [desk.focusNext]);
  return (
    <>
      {'kind' in only && only.kind === 'reader-not-connected' && entries.length > 0 ? (
        <p class="notice" data-testid="reader-outcome">
          {t('readerNotOpen')}
        </p>
      ) : 'kind' in only ? (
        <p class="notice" data-testid="reader-outcome">
          {only.code} — {language === 'ro' ? only.messageRo : only.messageEn} {only.nextStep[language]}
        </p>
      ) : (
        <dl class="facts card-facts" data-testid="card-facts">
          <dt>{t('readerLabel')}</dt>
          <dd>{only.name}</dd>
          <dt>{t('cardLabel')}</dt>
          <dd data-testid="patient-card">
            {only.cardPresent === false ? t('cardAbsent') : operation?.action === 'check' ? t('statusChecking') : t('cardPresent')}
          </dd>
          {desk.atr && (
            <>
              <dt>{t('recognisedLabel')}</dt>
              <dd data-testid="is-ecard">{isEcardAtr(desk.atr) ? t('yes') : t('no')}</dd>
            </>
          )}
          {status && (
            <>
              <dt>{t('stateLabel')}</dt>
              <dd data-testid="card-state">{t(stateText(status))}</dd>
            </>
          )}
          {status?.triesLeft !== undefined && (
            <>
              <dt>{t('triesLeftLabel')}</dt>
              <dd data-testid="tries-left">{status.triesLeft}</dd>
            </>
          )}
        </dl>
      )}
      {desk.procedure && (
        <ProcedureChecklist procedure={desk.procedure} authority={authority !== undefined} busy={operation !== null} onConfirm={desk.confirmCas} />
      )}
      <div class="actions" role="group" aria-label={t('actionsLabel')}>
        {ACTIONS.map(([action, label]) => (
          <button
            key={action}
            type="button"
            ref={(button) => void (buttons.current[action] = button)}
            class={action === next ? 'next-step' : undefined}
            aria-describedby={action === next ? CURRENT_STEP_ID : undefined}
            disabled={operation !== null || !allowed.has(action)}
            onClick={() => void desk.run(action)}
          >
            {t(label)}
          </button>
        ))}
        <button type="button" class="secondary" disabled={operation !== null || entry?.cardPresent !== true} onClick={() => void desk.run('check')}>
          {t('recheck')}
        </button>
      </div>
      {operation && operation.action !== 'check' && <OperationPanel operation={operation} keypad={desk.keypad} timeoutSeconds={PINPAD_TIMEOUT_SECONDS} />}
      {desk.lastTry && <LastTryDialog answer={desk.lastTry.answer} />}
      {desk.failure !== null && <ErrorNote error={desk.failure} />}
      {desk.outcome && !operation && (
        <OutcomeView action={desk.outcome.action} outcome={desk.outcome.outcome} storage={storage} takeFocus={!desk.outcome.movedOn} />
      )}
      {desk.slip.length > 0 && !operation && (
        <div class="slip-actions">
          <button type="button" class="secondary" aria-describedby="slip-hint" onClick={print}>
            {t('printSlip')}
          </button>
          <p id="slip-hint" class="muted">
            {t('printSlipHint')}
          </p>
          <Slip records={desk.slip} />
        </div>
      )}
    </>
  );
}

function LastTryDialog({ answer }: { readonly answer: (go: boolean) => void }) {
  const t = useText();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="last-try" aria-labelledby="last-try-title" aria-describedby="last-try-text" onCancel={() => answer(false)} data-testid="last-try">
      <h3 id="last-try-title">{t('lastTryTitle')}</h3>
      <p id="last-try-text">{t('lastTryText')}</p>
      <div class="actions">
        <button type="button" class="secondary" autofocus onClick={() => answer(false)}>
          {t('lastTryStop')}
        </button>
        <button type="button" onClick={() => answer(true)}>
          {t('lastTryGo')}
        </button>
      </div>
    </dialog>
  );
}
