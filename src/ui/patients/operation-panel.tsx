/** What the provider sees while a card operation runs: where to type, the step, the time left, "do not remove". */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useText } from '../i18n';
import { PROMPTS_OF, PROMPT_TEXT } from './prompts';
import { ScreenKeypad } from './screen-keypad';
import type { KeypadRequest, Operation } from './use-patient-desk';

function Countdown({ from }: { readonly from: number }) {
  const t = useText();
  const [left, setLeft] = useState(from);
  useEffect(() => {
    const started = Date.now();
    const timer = setInterval(() => setLeft(Math.max(0, from - Math.floor((Date.now() - started) / 1000))), 250);
    return () => clearInterval(timer);
  }, [from]);
  return (
    <p class="countdown" data-testid="countdown">
      {t('secondsLeft').replace('{s}', String(left))}
    </p>
  );
}

export interface OperationPanelProps {
  readonly operation: Operation;
  readonly keypad: KeypadRequest | null;
  /** The PIN pad's timeout (PINPAD_TIMEOUT_SECONDS): the countdown starts there. */
  readonly timeoutSeconds: number;
}

export function OperationPanel({ operation, keypad, timeoutSeconds }: OperationPanelProps) {
  const t = useText();
  const { action, state } = operation;
  const entering = state?.state === 'enter';
  const asking = (entering && operation.pinpad) || keypad !== null;
  const panel = useRef<HTMLElement>(null);
  // Where to type comes into view by itself when the entry starts: nobody scrolls during an entry.
  useEffect(() => {
    if (asking) panel.current?.scrollIntoView({ block: 'nearest' });
  }, [asking]);
  return (
    <section class="operation" aria-labelledby="op-heading" data-testid="operation" ref={panel}>
      <h3 id="op-heading">{t('opHeading')}</h3>
      {action !== 'check' && entering && !keypad && operation.pinpad && (
        <div data-testid="pinpad-entry">
          <p class="prompt">{t('enterOnTerminal')}</p>
          <p>{t('terminalSteps')}</p>
          <ol class="steps">
            {PROMPTS_OF[action].map((p) => (
              <li key={p}>{t(PROMPT_TEXT[p])}</li>
            ))}
          </ol>
          {action === 'reset' && <p>{t('resetHint')}</p>}
          <Countdown key={`${state.flow}`} from={timeoutSeconds} />
          <p class="muted">{t('cancelOnTerminal')}</p>
        </div>
      )}
      {keypad && (
        <div data-testid="screen-entry">
          <p class="prompt">{t('enterOnScreen')}</p>
          {action === 'reset' && <p>{t('resetHint')}</p>}
          <ScreenKeypad request={keypad} />
        </div>
      )}
      {state?.cardBusy && (
        <p class="busy" role="status" data-testid="card-busy">
          {t('doNotRemove')}
        </p>
      )}
    </section>
  );
}
