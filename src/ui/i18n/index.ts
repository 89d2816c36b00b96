import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ro, type MessageKey } from './ro';

export type Language = 'ro' | 'en';
export type { MessageKey };

type Catalogue = Readonly<Record<MessageKey, string>>;

/** Romanian ships with the first screen; English loads when the user switches to it. */
const catalogues: Partial<Record<Language, Catalogue>> = { ro };

/** Makes `language` available to `translate`; call before showing it. */
export async function loadLanguage(language: Language): Promise<void> {
  if (language === 'en' && !catalogues.en) catalogues.en = (await import('./en')).en;
}

/** The text of `key` in `language`, or in Romanian while that language has not loaded. */
export function translate(language: Language, key: MessageKey): string {
  return (catalogues[language] ?? ro)[key];
}

export const LanguageContext = createContext<Language>('ro');

/** The text of `key` in the language of the surrounding view. */
export function useText(): (key: MessageKey) => string {
  const language = useContext(LanguageContext);
  return (key) => translate(language, key);
}
