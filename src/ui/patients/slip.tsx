/**
 * The slip for the CAS's register of PIN resets (some CAS, e.g. Tulcea, have the holder sign each
 * reset: ../shared/docs/ecard.md "Procedures"). It exists only in the page, for the card in the
 * reader: the print style sheet shows it alone on one A4 page, the screen never. It names the
 * operations, never a PIN.
 */
import { useContext } from 'preact/hooks';
import { LanguageContext, useText, type MessageKey } from '../i18n';
import type { SlipRecord } from './use-patient-desk';

const OPERATION: Record<SlipRecord['action'], MessageKey> = {
  reset: 'actReset',
  change: 'actChange',
  activate: 'actActivate',
};

const LOCALE = { ro: 'ro-RO', en: 'en-GB' } as const;

export function Slip({ records }: { readonly records: readonly SlipRecord[] }) {
  const t = useText();
  const language = useContext(LanguageContext);
  const when = new Intl.DateTimeFormat(LOCALE[language], { dateStyle: 'short', timeStyle: 'short' });
  const readers = [...new Set(records.map((r) => r.reader))];
  return (
    <article class="slip" data-testid="slip">
      <h2>{t('slipTitle')}</h2>
      <p>{t('slipFor')}</p>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('slipWhen')}</th>
            <th scope="col">{t('slipOperation')}</th>
            <th scope="col">{t('slipResult')}</th>
            <th scope="col">{t('slipCode')}</th>
          </tr>
        </thead>
        <tbody>
          {records.map((record, i) => (
            <tr key={i}>
              <td>{when.format(record.time)}</td>
              <td>{t(OPERATION[record.action])}</td>
              <td>{t(record.outcome.kind === 'ok' ? 'slipOk' : 'slipFailed')}</td>
              <td>{record.outcome.code ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        {t('slipReader')}: {readers.join(', ')}
      </p>
      <dl class="slip-lines">
        {(['slipHolderName', 'slipCid', 'slipHolderSignature'] as const).map((label) => (
          <div key={label}>
            <dt>{t(label)}</dt>
            <dd />
          </div>
        ))}
      </dl>
      <div class="slip-stamp">{t('slipProvider')}</div>
      <p class="slip-note">{t('slipNoPin')}</p>
    </article>
  );
}
