/** The CAS contacts: the shipped, sourced numbers, the clinic's own entries (editable), and "see the CAS website". */
import { useState } from 'preact/hooks';
import { useText } from '../i18n';
import { SHIPPED_CAS_CONTACTS, loadClinicContacts, parsePhones, saveClinicContacts, type CasContact } from './directory';

export function CasDirectory({ storage }: { readonly storage: Storage | null }) {
  const t = useText();
  const [clinic, setClinic] = useState<CasContact[]>(() => loadClinicContacts(storage));
  const [name, setName] = useState('');
  const [phones, setPhones] = useState('');

  const store = (next: CasContact[]) => {
    saveClinicContacts(storage, next);
    setClinic(loadClinicContacts(storage));
  };
  const add = (event: Event) => {
    event.preventDefault();
    const numbers = parsePhones(phones);
    if (name.trim() === '' || numbers.length === 0) return;
    store([...clinic, { name: name.trim(), phones: numbers, source: 'clinic' }]);
    setName('');
    setPhones('');
  };

  return (
    <div class="cas" data-testid="cas-directory">
      <h4>{t('casContacts')}</h4>
      <ul>
        {SHIPPED_CAS_CONTACTS.map((c) => (
          <li key={c.name}>
            <strong>{c.name}</strong>: {c.phones.join(', ')} <span class="muted">({t('casSource')}: {c.source})</span>
          </li>
        ))}
        {clinic.map((c, i) => (
          <li key={`clinic-${i}`}>
            <strong>{c.name}</strong>: {c.phones.join(', ')} <span class="muted">({t('casClinic')})</span>{' '}
            <button type="button" class="link" onClick={() => store(clinic.filter((_, j) => j !== i))}>
              {t('casRemove')} {c.name}
            </button>
          </li>
        ))}
      </ul>
      <p>{t('casOther')}</p>
      <details>
        <summary>{t('casAdd')}</summary>
        <form class="cas-form" onSubmit={add}>
          <label>
            {t('casName')}
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} autocomplete="off" />
          </label>
          <label>
            {t('casPhones')}
            <input value={phones} inputMode="tel" onInput={(e) => setPhones(e.currentTarget.value)} autocomplete="off" />
          </label>
          <button type="submit">{t('casSave')}</button>
        </form>
      </details>
    </div>
  );
}
