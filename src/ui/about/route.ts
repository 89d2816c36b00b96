/** Where the page "Ce face aplicația" lives: the app's own URL with this fragment (works offline too). */
export const ABOUT_HASH = '#ce-face-aplicatia';

export type AppPage = 'about' | null;

/** The page a URL fragment asks for; anything else is the desk. */
export function pageOf(hash: string): AppPage {
  return hash === ABOUT_HASH ? 'about' : null;
}
