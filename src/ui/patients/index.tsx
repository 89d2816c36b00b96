/**
 * The Pacienți window (Fișier → Pacienți). Before any reader is known it says how to start; its
 * working part (the desk, with the eCard engine) loads with the first reader and stays.
 */
import { ABOUT_HASH } from '../about/route';
import { lazyModule, useLazyModule } from '../app/lazy';
import { useText } from '../i18n';
import type { PatientsDeskProps } from './desk';

export type PatientsWindowProps = PatientsDeskProps;

const desk = lazyModule(() => import('./desk'));

export function PatientsWindow(props: PatientsWindowProps) {
  const t = useText();
  const loaded = useLazyModule(desk, props.entries.length > 0);
  return (
    <section class="window" aria-labelledby="patients-heading" data-testid="patients">
      <div class="window-title">
        <h2 id="patients-heading" tabIndex={-1}>
          {t('patientsHeading')}
        </h2>
        <a id="about-link" href={ABOUT_HASH}>
          {t('aboutLink')}
        </a>
      </div>
      <p class="muted">{t('patientsIntro')}</p>
      {loaded ? (
        <loaded.PatientsDesk {...props} />
      ) : (
        <p class="notice" data-testid="patients-start">
          {t('patientsStart')}
        </p>
      )}
    </section>
  );
}
