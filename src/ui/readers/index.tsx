/** One reader: name, exchange level, PIN pad, card status and ATR. */
import type { ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';
import { toHex, type ExchangeLevel } from '../../ccid';
import { messageFor } from '../error-messages';
import { useText, type MessageKey } from '../i18n';
import { AppPlaceContext } from '../place';
import { vidPid } from '../../ccid/usb-ids';
import type { ReaderEntry } from './use-readers';

const LEVEL_TEXT: Record<ExchangeLevel, MessageKey> = {
  character: 'levelCharacter',
  tpdu: 'levelTpdu',
  shortApdu: 'levelShortApdu',
  extendedApdu: 'levelExtendedApdu',
};

export interface ReaderCardProps {
  readonly entry: ReaderEntry;
  readonly onOpen: () => void;
  readonly onClose: () => void;
  readonly onPowerOn: () => void;
  /** Shown under the reader (its diagnostics). */
  readonly children?: ComponentChildren;
}

export function ReaderCard({ entry, onOpen, onClose, onPowerOn, children }: ReaderCardProps) {
  const t = useText();
  const { device, reader } = entry;
  const descriptor = reader?.descriptor;
  return (
    <li class="reader" data-testid="reader">
      <div class="reader-title">
        <strong data-testid="reader-name">{entry.name}</strong>{' '}
        <span class="muted">
          {vidPid(device.vendorId, device.productId)}
        </span>
        {entry.training && <span class="badge">{t('trainingBadge')}</span>}
      </div>
      {descriptor && (
        <dl class="facts">
          <dt>{t('exchangeLevel')}</dt>
          <dd data-testid="exchange-level">{t(LEVEL_TEXT[descriptor.exchangeLevel])}</dd>
          <dt>{t('pinPad')}</dt>
          <dd data-testid="pin-pad">{descriptor.pinVerify ? t('yes') : t('no')}</dd>
          <dt>{t('slot')} 0</dt>
          <dd data-testid="card-status">{entry.cardPresent === false ? t('cardAbsent') : t('cardPresent')}</dd>
          {entry.atr && (
            <>
              <dt>{t('atr')}</dt>
              <dd data-testid="atr" class="mono">
                {toHex(entry.atr)}
              </dd>
            </>
          )}
        </dl>
      )}
      <div class="actions">
        {!reader && (
          <button type="button" disabled={entry.busy} onClick={onOpen}>
            {t('open')}
          </button>
        )}
        {reader && (
          <button type="button" disabled={entry.busy} onClick={onPowerOn}>
            {t('powerOn')}
          </button>
        )}
        {reader && (
          <button type="button" class="secondary" disabled={entry.busy} onClick={onClose}>
            {t('close')}
          </button>
        )}
      </div>
      {entry.busy && <p class="working">{t('working')}</p>}
      {entry.error !== null && <ErrorNote error={entry.error} />}
      {children}
    </li>
  );
}

export function ErrorNote({ error }: { readonly error: unknown }) {
  const t = useText();
  const place = useContext(AppPlaceContext);
  return (
    <div class="error" role="alert" data-testid="error">
      <p>{t(messageFor(error, place))}</p>
      <details>
        <summary>{t('technicalDetails')}</summary>
        <code>{error instanceof Error ? `${error.name}: ${error.message}` : String(error)}</code>
      </details>
    </div>
  );
}
