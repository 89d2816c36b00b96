/** The page: menu (Fișier → Pacienți), platform notices, the Pacienți window, readers, training mode. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { UnblockAuthority } from '../../card';
import type { SmartCardResourceManager } from '../../pcsc';
import type { TrainingDesk } from '../../sim/training';
import { LanguageContext, loadLanguage, translate, type Language } from '../i18n';
import { PatientsWindow } from '../patients';
import type { PatientAction } from '../patients/use-patient-desk';
import { Diagnostics } from '../diagnostics';
import { ErrorNote, ReaderCard, Transports } from '../readers';
import { useReaders } from '../readers/use-readers';

export interface AppProps {
  /** navigator.usb, or null where the browser has no WebUSB. Injected, never read here. */
  readonly usb: USB | null;
  /** navigator.smartCard (Web Smart Card API, Isolated Web Apps), or null where there is none. Injected. */
  readonly smartCard: SmartCardResourceManager | null;
  readonly secureContext: boolean;
  /** Where the clinic's CAS contacts are kept (localStorage); null when there is none. */
  readonly storage: Storage | null;
  /** Loads the training desk on demand (its code is not part of the first screen). */
  readonly loadTraining: () => Promise<TrainingDesk>;
  /** Kiosk (?kiosk=1): patient data wiped when the card leaves, idle reset. */
  readonly kiosk: boolean;
  /** For the diagnostic report. */
  readonly userAgent: string;
  /** Puts text on the clipboard ("Copy report"). */
  readonly copyText: (text: string) => Promise<void>;
}

/** Kiosk: with nobody touching the screen this long, it goes back to a clean Pacienți window. */
export const KIOSK_IDLE_RESET_MS = 120_000;

interface Training {
  readonly desk: TrainingDesk;
  readonly view: typeof import('../training');
}

export function App({ usb, smartCard, secureContext, storage, loadTraining, kiosk, userAgent, copyText }: AppProps) {
  const [language, setLanguage] = useState<Language>('ro');
  // The document's language too: screen readers and the browser's translate offer read <html lang>.
  useEffect(() => void (document.documentElement.lang = language), [language]);
  const [menuOpen, setMenuOpen] = useState(false);
  const [training, setTraining] = useState<Training | null>(null);
  const desk = training?.desk ?? null;
  const [action, setAction] = useState<PatientAction | null>(null);
  const onAction = useCallback((next: PatientAction | null) => setAction(next), []);
  const [resetCount, setResetCount] = useState(0);
  const [activity, setActivity] = useState(0);
  useEffect(() => {
    if (!kiosk) return;
    const timer = setTimeout(() => {
      setMenuOpen(false);
      setLanguage('ro');
      setResetCount((n) => n + 1);
    }, KIOSK_IDLE_RESET_MS);
    return () => clearTimeout(timer);
  }, [kiosk, activity]);
  const touched = kiosk ? () => setActivity((n) => n + 1) : undefined;
  const t = (key: Parameters<typeof translate>[1]) => translate(language, key);
  const switchLanguage = (next: Language) => void loadLanguage(next).then(() => setLanguage(next));
  const loaded = useRef<Training | null>(null);
  // The training desk and its view load together, on demand.
  const readers = useReaders(usb, smartCard, async () => {
    const [d, view] = loaded.current ? [loaded.current.desk, loaded.current.view] : await Promise.all([loadTraining(), import('../training')]);
    const ready: Training = { desk: d, view };
    loaded.current = ready;
    setTraining(ready);
    return ready.desk.reader.device;
  });
  // The training CAS confirms unblocks of the card in the training reader now; real cards decide themselves.
  const authority = useMemo<UnblockAuthority | undefined>(
    () => (desk ? { confirmUnblocked: (asked) => desk.cas.confirmUnblocked(asked) } : undefined),
    [desk],
  );
  const onlyTraining = readers.entries.some((e) => e.training && e.reader !== null);
  const goTo = (id: string) => {
    setMenuOpen(false);
    const target = document.getElementById(id);
    target?.scrollIntoView();
    target?.focus();
  };
  return (
    <LanguageContext.Provider value={language}>
      <div lang={language} class={kiosk ? 'kiosk' : undefined} onPointerDown={touched} onKeyDown={touched}>
        <header>
          <div>
            <h1>{t('appTitle')}</h1>
            <p class="muted">{t('appSubtitle')}</p>
          </div>
          <button type="button" class="link" lang={language === 'ro' ? 'en' : 'ro'} onClick={() => switchLanguage(language === 'ro' ? 'en' : 'ro')}>
            {t('language')}
          </button>
        </header>
        <nav class="menubar" aria-label={t('menuFile')}>
          <button type="button" class="menu-button" aria-expanded={menuOpen} aria-controls="file-menu" onClick={() => setMenuOpen(!menuOpen)}>
            {t('menuFile')}
          </button>
          {menuOpen && (
            <ul id="file-menu" class="menu">
              <li>
                <button type="button" class="link" onClick={() => goTo('patients-heading')}>
                  {t('menuPatients')}
                </button>
              </li>
              <li>
                <button type="button" class="link" onClick={() => goTo('readers-heading')}>
                  {t('menuReaders')}
                </button>
              </li>
            </ul>
          )}
        </nav>
        <main>
          {!secureContext && <p class="notice">{t('insecureContext')}</p>}
          {!usb && (
            <p class="notice" data-testid="no-webusb">
              {t('noWebUsb')}
            </p>
          )}
          {onlyTraining && <p class="training-banner">{t('trainingHeading')}</p>}
          <PatientsWindow key={resetCount} entries={readers.entries} authority={authority} storage={storage} kiosk={kiosk} onAction={onAction} />
          <section aria-labelledby="readers-heading">
            <h2 id="readers-heading" tabIndex={-1}>
              {t('readersHeading')}
            </h2>
            <div class="actions">
              <button type="button" disabled={!usb} onClick={() => void readers.requestReader()}>
                {t('connectReader')}
              </button>
              <button type="button" class="secondary" onClick={() => void readers.addTrainingReader()}>
                {t('trainingReader')}
              </button>
            </div>
            <Transports pcsc={readers.pcsc} />
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
                  >
                    <Diagnostics entry={entry} userAgent={userAgent} copy={copyText} />
                  </ReaderCard>
                ))}
              </ul>
            )}
          </section>
          {training && <training.view.TrainingPanel desk={training.desk} action={action} />}
        </main>
      </div>
    </LanguageContext.Provider>
  );
}
