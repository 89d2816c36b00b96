/**
 * The guided procedure as a checklist: done steps ticked, the current one marked (aria-current)
 * with what to do now and what the terminal asks for, and the provider's confirmation of the CAS
 * call. A polite live region says each new current step to screen readers.
 */
import { useText, type MessageKey } from '../i18n';
import { PROMPT_TEXT } from './prompts';
import { PROCEDURES, currentStep, isFinished, providerConfirms, type Procedure, type ProcedureKind } from './procedure';

const TITLE: Record<ProcedureKind, MessageKey> = {
  blocked: 'procedureBlocked',
  invalid: 'procedureInvalid',
  activation: 'procedureActivation',
};

/** The id of the current step's instructions: the next operation button is described by them. */
export const CURRENT_STEP_ID = 'procedure-current';

export interface ProcedureChecklistProps {
  readonly procedure: Procedure;
  /** An authority confirms the CAS's work (training console): no confirmation button for it. */
  readonly authority: boolean;
  /** An operation runs: its own panel shows the prompts, the checklist does not repeat them. */
  readonly busy: boolean;
  readonly onConfirm: () => void;
}

export function ProcedureChecklist({ procedure, authority, busy, onConfirm }: ProcedureChecklistProps) {
  const t = useText();
  const steps = PROCEDURES[procedure.kind];
  const current = currentStep(procedure);
  const finished = isFinished(procedure);
  const announcement = t('stepCurrent')
    .replace('{n}', String(procedure.at + 1))
    .replace('{m}', String(steps.length))
    .replace('{step}', t(current.label));
  return (
    <section class="procedure" aria-labelledby="procedure-heading" data-testid="procedure">
      <h3 id="procedure-heading">{t(TITLE[procedure.kind])}</h3>
      <ol class="checklist">
        {steps.map((step, index) => {
          const done = index < procedure.at || (finished && index === procedure.at);
          const isCurrent = index === procedure.at;
          return (
            <li
              key={step.id}
              class={done ? 'step step-done' : isCurrent ? 'step step-current' : 'step'}
              aria-current={isCurrent ? 'step' : undefined}
              data-testid={`step-${step.id}`}
              data-state={done ? 'done' : isCurrent ? 'current' : 'todo'}
            >
              <span class="step-mark" aria-hidden="true">
                {done ? '✓' : index + 1}
              </span>
              <span class="step-label">
                {t(step.label)}
                {done && <span class="sr-only"> ({t('stepDone')})</span>}
              </span>
              {isCurrent && (
                <div class="step-now" id={CURRENT_STEP_ID} data-testid="step-now">
                  <p>{t(authority && step.authorityDetail ? step.authorityDetail : step.detail)}</p>
                  {step.prompts && !busy && (
                    <>
                      <p class="muted">{t('stepPrompts')}</p>
                      <dl class="step-prompts" data-testid="step-prompts">
                        {step.prompts.map(([prompt, what]) => (
                          <div key={prompt}>
                            <dt class="lcd-text">{t(PROMPT_TEXT[prompt])}</dt>
                            <dd>{t(what)}</dd>
                          </div>
                        ))}
                      </dl>
                    </>
                  )}
                  {step.confirm && providerConfirms(step, authority) && (
                    <button type="button" onClick={onConfirm} disabled={busy}>
                      {t(step.confirm.label)}
                    </button>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ol>
      <p class="sr-only" aria-live="polite" data-testid="procedure-announcement">
        {announcement}
      </p>
    </section>
  );
}
