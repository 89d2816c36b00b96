/**
 * The page: menu (Fișier → Pacienți), platform notices, the Pacienți window, readers, training mode,
 * and the page "Ce face aplicația". The first screen is this shell: whatever it shows renders from
 * the entry chunk; the reader list, the desk, the training desk and the page load when wanted.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { UnblockAuthority } from '../../card';
import type { SmartCardResourceManager } from '../../pcsc';
import type { TrainingDesk } from '../../sim/training';
import { ABOUT_HASH, type AppPage } from '../about/route';
import { LanguageContext, loadLanguage, translate, type Language } from '../i18n';
import { PatientsWindow } from '../patients';
import type { PatientAction } from '../patients/use-patient-desk';
import { useReaders } from '../readers/use-readers';
import { lazyModule, useLazyModule } from './lazy';

const readerList = lazyModule(() => import('./reader-list'));
const aboutPage = lazyModule(() => import('../about'));

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
  /** Opens the browser's print dialog ("Tipărește fișa"). */
  readonly print: () => void;
  /** The page the URL asks for instead of the desk (its fragment), and how to go to another. */
  readonly page: AppPage;
  readonly navigate: (hash: string) => void;
}

/** Kiosk: with nobody touching the screen this long, it goes back to a clean Pacienți window. */
export const KIOSK_IDLE_RESET_MS = 120_000;

interface Training {
  readonly desk: TrainingDesk;
  readonly view: typeof import('../training');
}

export function App({ usb, smartCard, secureContext, storage, loadTraining, kiosk, userAgent, copyText, print, page, navigate }: AppProps) {
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
      if (page !== null) navigate('');
    }, KIOSK_IDLE_RESET_MS);
    return () => clearTimeout(timer);
  }, [kiosk, activity, page, navigate]);
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
  const list = useLazyModule(readerList, readers.entries.length > 0 || readers.error !== null || readers.pcsc.state !== 'absent');
  const about = useLazyModule(aboutPage, page === 'about');
  // Leaving the page for the desk: focus goes where the menu asked, else back to the page's link.
  const pendingFocus = useRef<string | null>(null);
  const shownPage = useRef(page);
  useEffect(() => {
    const previous = shownPage.current;
    shownPage.current = page;
    if (page !== null || previous === null) return;
    focusSection(pendingFocus.current ?? 'about-link');
    pendingFocus.current = null;
  }, [page]);
  const goTo = (id: string) => {
    setMenuOpen(false);
    if (page === null) return focusSection(id);
    pendingFocus.current = id;
    navigate('');
  };
  return (
    <LanguageContext.Provider value={language}>
      <div lang={language} class={kiosk ? 'kiosk' : undefined} onPointerDown={touched} onKeyDown={touched}>
        <header>
          <div>
            <h1>{t('appTitle')}</h1>
            <p class="muted">{t('appSubtitle')}</p>
          </div>
          <div class="header-side">
            {/* src/offline fills and shows this line once the worker controls the page; Preact renders it empty, once. */}
            <p id="offline-status" class="offline-status" role="status" hidden />
            <button type="button" class="link" lang={language === 'ro' ? 'en' : 'ro'} onClick={() => switchLanguage(language === 'ro' ? 'en' : 'ro')}>
              {t('language')}
            </button>
          </div>
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
              <li>
                <a href={ABOUT_HASH} onClick={() => setMenuOpen(false)}>
                  {t('aboutLink')}
                </a>
              </li>
            </ul>
          )}
        </nav>
        <main class={training && page === null ? 'with-training' : undefined}>
          <div class="desk-column" hidden={page !== null}>
            {!secureContext && <p class="notice">{t('insecureContext')}</p>}
            {!usb && (
              <p class="notice" data-testid="no-webusb">
                {t('noWebUsb')}
              </p>
            )}
            {onlyTraining && <p class="training-banner">{t('trainingHeading')}</p>}
            <PatientsWindow
              key={resetCount}
              entries={readers.entries}
              authority={authority}
              storage={storage}
              kiosk={kiosk}
              onAction={onAction}
              print={print}
            />
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
              {readers.entries.length === 0 && readers.error === null && <p class="muted">{t('noReaders')}</p>}
              {list && <list.ReaderList readers={readers} userAgent={userAgent} copyText={copyText} />}
            </section>
          </div>
          {training && (
            <div class="training-column" hidden={page !== null}>
              <training.view.TrainingPanel desk={training.desk} action={action} />
            </div>
          )}
          {page === 'about' && about && <about.AboutPage onBack={() => navigate('')} />}
        </main>
      </div>
    </LanguageContext.Provider>
  );
}

/** Brings a section's heading into view and gives it the focus (menu items, return from a page). */
function focusSection(id: string): void {
  const target = document.getElementById(id);
  target?.scrollIntoView();
  target?.focus();
}
