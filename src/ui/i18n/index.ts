import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en } from './en';
import { ro, type MessageKey } from './ro';

export type Language = 'ro' | 'en';
export type { MessageKey };

const CATALOGUES: Record<Language, Record<MessageKey, string>> = { ro, en };

export function translate(language: Language, key: MessageKey): string {
  return CATALOGUES[language][key];
}

export const LanguageContext = createContext<Language>('ro');

/** The text of `key` in the language of the surrounding view. */
export function useText(): (key: MessageKey) => string {
  const language = useContext(LanguageContext);
  return (key) => translate(language, key);
}
