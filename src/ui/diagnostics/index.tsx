/** One reader's diagnostics: descriptor summary, the driver trace, "Copy report". */
import { useState } from 'preact/hooks';
import { useText, type MessageKey } from '../i18n';
import type { ReaderEntry } from '../readers/use-readers';
import { vidPid } from '../../ccid/usb-ids';
import { diagnosticReport, transportLine } from './report';

export interface DiagnosticsProps {
  readonly entry: ReaderEntry;
  readonly userAgent: string;
  readonly copy: (text: string) => Promise<void>;
}

export function Diagnostics({ entry, userAgent, copy }: DiagnosticsProps) {
  const t = useText();
  const [report, setReport] = useState('');
  const [copied, setCopied] = useState<MessageKey | null>(null);
  const build = () =>
    diagnosticReport({
      userAgent,
      readerName: entry.name,
      vidPid: entry.usbId ? vidPid(entry.usbId.vendorId, entry.usbId.productId) : 'unknown',
      transport: transportLine(entry),
      descriptor: entry.reader?.descriptor ?? null,
      trace: entry.trace,
    });
  return (
    <details class="diagnostics" onToggle={() => setReport(build())}>
      <summary>{t('diagnostics')}</summary>
      <p data-testid="diagnostic-transport">
        {t('transportLabel')}: {t(entry.transport === 'pcsc' ? 'transportPcsc' : 'transportWebUsb')}
      </p>
      <p class="muted">{t('traceNote')}</p>
      <pre class="mono report" data-testid="diagnostic-report" tabIndex={0}>
        {report}
      </pre>
      <button
        type="button"
        class="secondary"
        onClick={() => {
          const text = build();
          setReport(text);
          copy(text).then(
            () => setCopied('reportCopied'),
            () => setCopied('reportNotCopied'),
          );
        }}
      >
        {t('copyReport')}
      </button>
      {copied && <p role="status">{t(copied)}</p>}
    </details>
  );
}
