/** The Pacienți window (Fișier → Pacienți); its working part loads with the eCard engine, after the first screen. */
import { useEffect, useState } from 'preact/hooks';
import { useText } from '../i18n';
import type { PatientsDeskProps } from './desk';

export type PatientsWindowProps = PatientsDeskProps;

let loading: Promise<typeof import('./desk')> | null = null;

export function PatientsWindow(props: PatientsWindowProps) {
  const t = useText();
  const [desk, setDesk] = useState<typeof import('./desk') | null>(null);
  useEffect(() => {
    loading ??= import('./desk');
    void loading.then((loaded) => setDesk(() => loaded));
  }, []);
  return (
    <section class="window" aria-labelledby="patients-heading" data-testid="patients">
      <h2 id="patients-heading" tabIndex={-1}>
        {t('patientsHeading')}
      </h2>
      <p class="muted">{t('patientsIntro')}</p>
      {desk && <desk.PatientsDesk {...props} />}
    </section>
  );
}
