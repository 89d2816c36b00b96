/**
 * The notice's procedures as checklists (../shared/seed/notice-en.md, ../shared/docs/ecard.md
 * "Procedures"): which steps, which one the provider is at, and what moves it on. A pure reducer:
 * the desk feeds it card checks, the provider's confirmations and operation results. It never
 * starts an operation: every step that touches the card is a button the provider presses, and
 * every PIN is typed when the terminal (or the screen) asks for it.
 */
import type { Outcome } from '../../card';
import type { PinPrompt } from '../../flows';
import type { MessageKey } from '../i18n';
import type { PatientAction } from './use-patient-desk';

export type ProcedureKind = 'blocked' | 'invalid' | 'activation';

export interface ProcedureStep {
  readonly id: string;
  readonly label: MessageKey;
  /** What to do now, shown under the step while it is the current one. */
  readonly detail: MessageKey;
  /** The same where an authority confirms the CAS's work itself (no confirmation by the provider). */
  readonly authorityDetail?: MessageKey;
  /** The operation button that carries the step out. */
  readonly action?: PatientAction;
  /** The prompts the step answers, in order, each with what to type. */
  readonly prompts?: readonly (readonly [PinPrompt, MessageKey])[];
  /**
   * The provider confirms what happened outside the app (the CAS call and the CAS's work): the
   * button's label, and the step the confirmation leads to.
   */
  readonly confirm?: { readonly label: MessageKey; readonly next: string };
}

const NEW_PIN: readonly (readonly [PinPrompt, MessageKey])[] = [
  ['new', 'typeNewPin'],
  ['confirm', 'typeSamePin'],
];

/**
 * Blocked (-15): call CAS with the CID → CAS unblocks → Reset PIN eCard with 0000 → Schimbă PIN
 * eCard (0000, new, confirm) → done. The call and the unblock happen on the phone: one confirmation
 * ("CAS a deblocat cardul") ticks both. Invalid (-5/-17): call CAS with the card number; nothing is
 * done on the card. Activation: transport PIN, then the holder's own PIN twice.
 */
export const PROCEDURES: Readonly<Record<ProcedureKind, readonly ProcedureStep[]>> = {
  blocked: [
    {
      id: 'call-cas',
      label: 'stepCallCasCid',
      detail: 'stepCallCasCidDetail',
      authorityDetail: 'stepCallCasCidAuthority',
      confirm: { label: 'casUnblockedConfirm', next: 'reset' },
    },
    { id: 'cas-unblocks', label: 'stepCasUnblocks', detail: 'stepCasUnblocksDetail' },
    { id: 'reset', label: 'stepReset', detail: 'stepResetDetail', action: 'reset', prompts: [['reset', 'typeResetPin']] },
    { id: 'change', label: 'stepChange', detail: 'stepChangeDetail', action: 'change', prompts: [['current', 'typeResetPin'], ...NEW_PIN] },
    { id: 'done', label: 'stepChanged', detail: 'stepChangedDetail' },
  ],
  invalid: [
    { id: 'call-cas', label: 'stepCallCasNumber', detail: 'stepCallCasNumberDetail', confirm: { label: 'casFixedConfirm', next: 'done' } },
    { id: 'cas-fixes', label: 'stepCasFixes', detail: 'stepCasFixesDetail' },
    { id: 'done', label: 'stepWorksAgain', detail: 'stepWorksAgainDetail' },
  ],
  activation: [
    { id: 'activate', label: 'stepActivate', detail: 'stepActivateDetail', action: 'activate', prompts: [['transport', 'typeTransportPin'], ...NEW_PIN] },
    { id: 'done', label: 'stepActivated', detail: 'stepActivatedDetail' },
  ],
};

export interface Procedure {
  readonly kind: ProcedureKind;
  /** Index of the current step in PROCEDURES[kind]; the steps before it are done. */
  readonly at: number;
}

export type ProcedureEvent =
  /** A card check (on insertion, on request, after every operation). */
  | { readonly type: 'checked'; readonly status: Outcome }
  /** The provider: "CAS a deblocat cardul" / "CAS a rezolvat cardul". */
  | { readonly type: 'confirmed' }
  /** The provider pressed an operation button. */
  | { readonly type: 'started'; readonly action: PatientAction }
  | { readonly type: 'finished'; readonly action: PatientAction; readonly outcome: Outcome };

const stepIndex = (kind: ProcedureKind, id: string): number => PROCEDURES[kind].findIndex((step) => step.id === id);
const at = (kind: ProcedureKind, id: string): Procedure => ({ kind, at: stepIndex(kind, id) });
const atLeast = (procedure: Procedure, id: string): Procedure => ({ ...procedure, at: Math.max(procedure.at, stepIndex(procedure.kind, id)) });

export function isFinished(procedure: Procedure): boolean {
  return procedure.at === PROCEDURES[procedure.kind].length - 1;
}

export function currentStep(procedure: Procedure): ProcedureStep {
  const step = PROCEDURES[procedure.kind][procedure.at];
  if (!step) throw new RangeError(`procedure ${procedure.kind}: no step ${procedure.at}`);
  return step;
}

/** The procedure a card's status calls for, continuing `procedure` where it is the same one. */
function afterCheck(procedure: Procedure | null, status: Outcome): Procedure | null {
  switch (status.kind) {
    case 'blocked':
      // Blocked again after the reset (5 wrong PINs while changing): the procedure starts over.
      return procedure?.kind === 'blocked' && procedure.at <= stepIndex('blocked', 'reset') ? procedure : at('blocked', 'call-cas');
    case 'card-invalid':
    case 'card-state-invalid':
      return procedure?.kind === 'invalid' ? procedure : at('invalid', 'call-cas');
    case 'not-activated':
      return procedure?.kind === 'activation' ? procedure : at('activation', 'activate');
    case 'tries-left':
    case 'ok':
      // An active card: the end of an invalid-card call, the PIN change after a reset, or no procedure.
      if (procedure?.kind === 'invalid') return at('invalid', 'done');
      if (procedure?.kind === 'blocked' && procedure.at >= stepIndex('blocked', 'change')) return procedure;
      if (procedure?.kind === 'activation' && isFinished(procedure)) return procedure;
      return null;
    default:
      // No card, a timeout, another reader…: says nothing about the procedure.
      return procedure;
  }
}

export function nextProcedure(procedure: Procedure | null, event: ProcedureEvent): Procedure | null {
  if (event.type === 'checked') return afterCheck(procedure, event.status);
  if (!procedure) return null;
  switch (event.type) {
    case 'confirmed': {
      const confirm = currentStep(procedure).confirm;
      return confirm ? at(procedure.kind, confirm.next) : procedure;
    }
    case 'started':
      // Pressing Reset PIN eCard says the CAS call is behind (if the CAS did not unblock, the reset says -36).
      return procedure.kind === 'blocked' && event.action === 'reset' ? atLeast(procedure, 'reset') : procedure;
    case 'finished': {
      const { action, outcome } = event;
      if (procedure.kind === 'blocked' && action === 'reset') {
        if (outcome.kind === 'ok') return at('blocked', 'change');
        if (outcome.kind === 'reset-not-confirmed') return at('blocked', 'call-cas');
      }
      if (outcome.kind !== 'ok') return procedure;
      if (procedure.kind === 'blocked' && action === 'change' && procedure.at === stepIndex('blocked', 'change')) return at('blocked', 'done');
      if (procedure.kind === 'activation' && action === 'activate') return at('activation', 'done');
      return procedure;
    }
  }
}

/** Whether the provider confirms the current step ("CAS a deblocat cardul"), or an authority does it. */
export function providerConfirms(step: ProcedureStep, authority: boolean): boolean {
  return step.confirm !== undefined && !(authority && step.authorityDetail);
}

/**
 * The operation button the provider presses next: the current step's or, where an authority
 * confirms the CAS's work itself, the one of the step the confirmation would lead to (Reset PIN
 * eCard: the reset asks the authority first).
 */
export function nextAction(procedure: Procedure, authority: boolean): PatientAction | null {
  const step = currentStep(procedure);
  if (step.action) return step.action;
  if (!step.confirm || providerConfirms(step, authority)) return null;
  return PROCEDURES[procedure.kind][stepIndex(procedure.kind, step.confirm.next)]?.action ?? null;
}
