/** One reader: name, transport, exchange level, PIN pad, card status and ATR; and whether PC/SC is there. */
import type { ComponentChildren } from 'preact';
import { useContext } from 'preact/hooks';
import { toHex, type ExchangeLevel } from '../../ccid';
import { messageFor } from '../error-messages';
import { useText, type MessageKey } from '../i18n';
import { AppPlaceContext } from '../place';
import { vidPid } from '../../ccid/usb-ids';
import type { PcscAvailability, ReaderEntry } from './use-readers';

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
  const { reader, pcsc, usbId } = entry;
  const descriptor = reader?.descriptor;
  const open = reader !== null || pcsc !== null;
  const pinpad = descriptor ? descriptor.pinVerify : pcsc?.info.features ? pcsc.pinpad : null;
  return (
    <li class="reader" data-testid="reader">
      <div class="reader-title">
        <strong data-testid="reader-name">{entry.name}</strong>{' '}
        {usbId && <span class="muted">{vidPid(usbId.vendorId, usbId.productId)}</span>}
        {entry.training && <span class="badge">{t('trainingBadge')}</span>}
      </div>
      <dl class="facts">
        <dt>{t('transportLabel')}</dt>
        <dd data-testid="transport">{t(entry.transport === 'pcsc' ? 'transportPcsc' : 'transportWebUsb')}</dd>
        {descriptor && (
          <>
            <dt>{t('exchangeLevel')}</dt>
            <dd data-testid="exchange-level">{t(LEVEL_TEXT[descriptor.exchangeLevel])}</dd>
          </>
        )}
        {open && (
          <>
            <dt>{t('pinPad')}</dt>
            <dd data-testid="pin-pad">{pinpad === null ? t('pinPadUnknown') : pinpad ? t('yes') : t('no')}</dd>
            <dt>{t('slot')} 0</dt>
            <dd data-testid="card-status">{entry.cardPresent === false ? t('cardAbsent') : t('cardPresent')}</dd>
          </>
        )}
        {open && entry.atr && (
          <>
            <dt>{t('atr')}</dt>
            <dd data-testid="atr" class="mono">
              {toHex(entry.atr)}
            </dd>
          </>
        )}
      </dl>
      {entry.webUsbTwin && (
        <p class="muted" data-testid="webusb-twin">
          {t('webUsbTwin').replace('{id}', entry.webUsbTwin)}
        </p>
      )}
      <div class="actions">
        {!open && (
          <button type="button" disabled={entry.busy} onClick={onOpen}>
            {t('open')}
          </button>
        )}
        {open && (
          <button type="button" disabled={entry.busy} onClick={onPowerOn}>
            {t('powerOn')}
          </button>
        )}
        {open && (
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

/** Whether the platform's PC/SC stack is reached (nothing is said where the browser has no Web Smart Card API). */
export function Transports({ pcsc }: { readonly pcsc: PcscAvailability }) {
  const t = useText();
  if (pcsc.state === 'absent') return null;
  return (
    <div data-testid="transports">
      {pcsc.state === 'starting' && <p class="muted">{t('pcscStarting')}</p>}
      {pcsc.state === 'ready' && <p class="muted">{t('pcscReady')}</p>}
      {pcsc.state === 'unavailable' && (
        <>
          <p class="notice">{t('pcscUnavailable')}</p>
          <ErrorNote error={pcsc.error} />
        </>
      )}
    </div>
  );
}
