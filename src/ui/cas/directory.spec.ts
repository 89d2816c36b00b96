import { describe, it, expect } from 'vitest';
import { CAS_STORAGE_KEY, SHIPPED_CAS_CONTACTS, loadClinicContacts, parsePhones, saveClinicContacts } from './directory';

const memoryStorage = () => {
  const map = new Map<string, string>();
  return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), map };
};

describe('the CAS directory', () => {
  it('ships exactly the sourced numbers: CAS Gorj from the notice, CASMB three numbers', () => {
    expect(SHIPPED_CAS_CONTACTS.map((c) => c.name)).toEqual(['CAS Gorj', 'CASMB (București)']);
    expect(SHIPPED_CAS_CONTACTS[0]?.phones).toContain('0253 223 940');
    expect(SHIPPED_CAS_CONTACTS[1]?.phones).toEqual(['021.315.81.34', '031.690.10.23', '021.316.44.27']);
  });

  it('round-trips the clinic entries through storage, marked as the clinic’s', () => {
    const storage = memoryStorage();
    saveClinicContacts(storage, [{ name: 'CAS Dolj', phones: ['0251 123 456'], source: 'x' }]);
    expect(loadClinicContacts(storage)).toEqual([{ name: 'CAS Dolj', phones: ['0251 123 456'], source: 'clinic' }]);
  });

  it('drops malformed stored data instead of half-reading it', () => {
    const storage = memoryStorage();
    storage.map.set(CAS_STORAGE_KEY, '{not json');
    expect(loadClinicContacts(storage)).toEqual([]);
    storage.map.set(CAS_STORAGE_KEY, JSON.stringify([{ name: 'A', phones: [1] }, { name: 'B', phones: ['1'], source: 'clinic' }]));
    expect(loadClinicContacts(storage)).toEqual([{ name: 'B', phones: ['1'], source: 'clinic' }]);
    expect(loadClinicContacts(null)).toEqual([]);
  });

  it('keeps only phone characters from typed numbers', () => {
    expect(parsePhones('0251 123 456; tel: 0800-800-963,  ,abc')).toEqual(['0251 123 456', '0800-800-963']);
  });
});
