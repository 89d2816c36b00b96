/** The page: platform notices, the reader list, the language switch. */
import { useState } from 'preact/hooks';
import { ErrorNote, ReaderCard } from '../readers';
import { useReaders } from '../readers/use-readers';
import { LanguageContext, translate, type Language } from '../i18n';

export interface AppProps {
  /** navigator.usb, or null where the browser has no WebUSB. Injected, never read here. */
  readonly usb: USB | null;
  readonly secureContext: boolean;
  /** Loads the training reader on demand (its code is not part of the first screen). */
  readonly loadTraining: () => Promise<USBDevice>;
}

export function App({ usb, secureContext, loadTraining }: AppProps) {
  const [language, setLanguage] = useState<Language>('ro');
  const t = (key: Parameters<typeof translate>[1]) => translate(language, key);
  const readers = useReaders(usb, loadTraining);
  return (
    <LanguageContext.Provider value={language}>
      <header>
        <div>
          <h1>{t('appTitle')}</h1>
          <p class="muted">{t('appSubtitle')}</p>
        </div>
        <button type="button" class="link" onClick={() => setLanguage(language === 'ro' ? 'en' : 'ro')}>
          {t('language')}
        </button>
      </header>
      <main>
        {!secureContext && <p class="notice">{t('insecureContext')}</p>}
        {!usb && <p class="notice" data-testid="no-webusb">{t('noWebUsb')}</p>}
        <section>
          <h2>{t('readersHeading')}</h2>
          <div class="actions">
            <button type="button" disabled={!usb} onClick={() => void readers.requestReader()}>
              {t('connectReader')}
            </button>
            <button type="button" class="secondary" onClick={() => void readers.addTrainingReader()}>
              {t('trainingReader')}
            </button>
          </div>
          {readers.error !== null && <ErrorNote error={readers.error} />}
          {readers.entries.length === 0 ? (
            <p class="muted">{t('noReaders')}</p>
          ) : (
            <ul class="readers">
              {readers.entries.map((entry) => (
                <ReaderCard
                  key={entry.id}
                  entry={entry}
                  onOpen={() => void readers.open(entry)}
                  onClose={() => void readers.close(entry)}
                  onPowerOn={() => void readers.powerOn(entry)}
                />
              ))}
            </ul>
          )}
        </section>
      </main>
    </LanguageContext.Provider>
  );
}
