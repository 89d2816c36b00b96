/** An outcome as the provider needs it: official code, what happened, what to do, what the CAS needs, whom to call. */
import { useContext, useEffect, useRef } from 'preact/hooks';
import type { Outcome } from '../../card';
import { CasDirectory } from '../cas/cas-directory';
import { LanguageContext, useText, type MessageKey } from '../i18n';
import type { PatientAction } from './use-patient-desk';

const DONE: Record<PatientAction, MessageKey> = {
  verify: 'doneVerify',
  reset: 'doneReset',
  change: 'doneChange',
  activate: 'doneActivate',
};

/** Outcomes that are good news (no error code, nothing to fix). */
const GOOD = new Set<Outcome['kind']>(['ok', 'tries-left']);

export interface OutcomeViewProps {
  /** What was done: a successful operation says so in its own words (notice step 8). */
  readonly action: PatientAction | 'check';
  readonly outcome: Outcome;
  readonly storage: Storage | null;
  /** After an operation the result takes the focus, unless the procedure hands it to its next button. */
  readonly takeFocus: boolean;
}

export function OutcomeView({ action, outcome, storage, takeFocus }: OutcomeViewProps) {
  const t = useText();
  const language = useContext(LanguageContext);
  const good = GOOD.has(outcome.kind);
  const heading = useRef<HTMLHeadingElement>(null);
  // After an operation the keypad is gone: focus moves to its result (the automatic check takes no focus).
  useEffect(() => {
    if (action !== 'check' && takeFocus) heading.current?.focus();
  }, [action, outcome]);
  return (
    <section class={good ? 'outcome good' : 'outcome bad'} aria-labelledby="outcome-heading" data-testid="outcome" role="status">
      <h3 id="outcome-heading" tabIndex={-1} ref={heading}>{t('outcomeHeading')}</h3>
      {outcome.kind === 'ok' && action !== 'check' && (
        <p class="done" data-testid="outcome-done">
          {t(DONE[action])}
        </p>
      )}
      <dl class="facts">
        {outcome.code !== null && (
          <>
            <dt>{t('outcomeCode')}</dt>
            <dd data-testid="outcome-code" class="code">
              {outcome.code}
            </dd>
          </>
        )}
        <dt>{t('whatHappened')}</dt>
        <dd data-testid="outcome-message">{language === 'ro' ? outcome.messageRo : outcome.messageEn}</dd>
        <dt>{t('whatToDo')}</dt>
        <dd data-testid="outcome-next">{outcome.nextStep[language]}</dd>
      </dl>
      {outcome.pinCommandUnanswered && (
        <p class="unanswered" data-testid="outcome-unanswered">
          {t('outcomePinUnanswered')}
        </p>
      )}
      {outcome.casNeeds !== null && (
        <>
          <p class="cas-needs" data-testid="cas-needs">
            {t(outcome.casNeeds === 'CID' ? 'casNeedsCid' : 'casNeedsCardNumber')}
          </p>
          <CasDirectory storage={storage} />
        </>
      )}
    </section>
  );
}
