/**
 * The CAS contact directory: data, not code. Ships only numbers printed in a source
 * (../shared/docs/ecard.md: CAS Gorj from its 2015 notice; CASMB from cnas.ro); every other house
 * "see the CAS website". A clinic adds or edits its own entries; they are kept in localStorage
 * (names and phone numbers only — never a PIN).
 */
export interface CasContact {
  readonly name: string;
  readonly phones: readonly string[];
  /** Where the numbers come from (a notice, a web page, "clinic"). */
  readonly source: string;
}

export const SHIPPED_CAS_CONTACTS: readonly CasContact[] = [
  {
    name: 'CAS Gorj',
    phones: ['0253 223 940', '0253 223 950', '0353 805 872', '0353 805 873', '0800 800 963'],
    source: 'CAS Gorj, 2015',
  },
  {
    name: 'CASMB (București)',
    phones: ['021.315.81.34', '031.690.10.23', '021.316.44.27'],
    source: 'http://www.cnas.ro/casmb/page/procedura-de-deblocare-card-i-anulare-mesaj-card-invalid.html',
  },
];

export const CAS_STORAGE_KEY = 'ecard-pin.cas-contacts';

/** A stored entry that is not {name, phones[]} of strings is dropped, never half-read. */
function isContact(value: unknown): value is CasContact {
  if (typeof value !== 'object' || value === null) return false;
  const { name, phones, source } = value as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    name.trim() !== '' &&
    Array.isArray(phones) &&
    phones.every((p) => typeof p === 'string') &&
    typeof source === 'string'
  );
}

/** The clinic's own entries, from storage (none when absent or unreadable). */
export function loadClinicContacts(storage: Pick<Storage, 'getItem'> | null): CasContact[] {
  const raw = storage?.getItem(CAS_STORAGE_KEY);
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isContact) : [];
  } catch {
    return [];
  }
}

export function saveClinicContacts(storage: Pick<Storage, 'setItem'> | null, contacts: readonly CasContact[]): void {
  storage?.setItem(CAS_STORAGE_KEY, JSON.stringify(contacts.map(({ name, phones }) => ({ name, phones, source: 'clinic' }))));
}

/** "0253 223 940, 0253 223 950" → its numbers; anything but digits, spaces, . / - + ( ) is dropped. */
export function parsePhones(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((p) => p.replace(/[^0-9 ./+()-]/g, '').trim())
    .filter((p) => /\d/.test(p));
}
