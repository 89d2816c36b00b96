/**
 * The on-screen PIN keypad, for readers without a PIN pad. The digits live in a ref of this
 * component only: the DOM shows as many dots, and the ref is wiped on OK, Cancel and unmount.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useText } from '../i18n';
import { PROMPT_TEXT } from './prompts';
import type { KeypadRequest } from './use-patient-desk';

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'] as const;

export function ScreenKeypad({ request }: { readonly request: KeypadRequest }) {
  const t = useText();
  const digits = useRef('');
  const [count, setCount] = useState(0);
  const keys = useRef<HTMLDivElement>(null);

  // A new prompt starts empty before anything can be typed at it (a layout effect runs before the
  // page is painted or takes input; a plain effect would run later and could drop the first digits).
  useLayoutEffect(() => {
    digits.current = '';
    setCount(0);
    keys.current?.querySelector('button')?.focus();
    return () => {
      digits.current = '';
    };
  }, [request]);

  const type = (digit: string) => {
    if (digits.current.length >= request.length) return;
    digits.current += digit;
    setCount(digits.current.length);
  };
  const correct = () => {
    digits.current = digits.current.slice(0, -1);
    setCount(digits.current.length);
  };
  const finish = (submit: boolean) => {
    const value = digits.current;
    digits.current = '';
    setCount(0);
    request.answer(submit ? value : null);
  };

  return (
    <div class="keypad" role="group" aria-labelledby="keypad-prompt" data-testid="screen-keypad">
      <p id="keypad-prompt" class="prompt" data-testid="keypad-prompt">
        {t(PROMPT_TEXT[request.prompt])}
      </p>
      <p class="stars" aria-live="polite">
        <span aria-hidden="true">{'●'.repeat(count) + '○'.repeat(Math.max(0, request.length - count))}</span>
        <span class="sr-only">{t('keypadDigits').replace('{n}', String(count)).replace('{m}', String(request.length))}</span>
      </p>
      <div class="keys" ref={keys}>
        {DIGITS.map((d) => (
          <button key={d} type="button" onClick={() => type(d)}>
            {d}
          </button>
        ))}
      </div>
      <div class="actions">
        <button type="button" class="secondary" onClick={correct}>
          {t('correction')}
        </button>
        <button type="button" class="secondary" onClick={() => finish(false)}>
          {t('cancel')}
        </button>
        <button type="button" disabled={count !== request.length} onClick={() => finish(true)}>
          {t('ok')}
        </button>
      </div>
    </div>
  );
}
