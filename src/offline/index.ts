/**
 * Offline mode: registers the worker and, once it controls the page, shows the "works offline"
 * line in `status` (a role="status" element of index.html), in the language of the app.
 */
import { translate } from '../ui/i18n';

export interface OfflineOptions {
  /** navigator.serviceWorker (undefined outside a secure context). */
  readonly container: ServiceWorkerContainer | undefined;
  readonly scriptUrl: string;
  readonly status: HTMLElement | null;
  /** The element whose subtree carries the app's `lang` (the app root). */
  readonly languageRoot: Element | null;
  /** An Isolated Web App is served from its signed bundle: offline already, no worker needed. */
  readonly isolated: boolean;
}

/** Resolves true once a worker controls the page (or the app is isolated), false if it cannot. */
export async function startOffline(options: OfflineOptions): Promise<boolean> {
  const ready = options.isolated || (await controlledByWorker(options.container, options.scriptUrl));
  if (ready && options.status) showStatus(options.status, options.languageRoot);
  return ready;
}

async function controlledByWorker(container: ServiceWorkerContainer | undefined, scriptUrl: string): Promise<boolean> {
  if (!container) return false;
  try {
    await container.register(scriptUrl, { type: 'module' });
  } catch {
    return false; // no worker in this build (vite dev) or storage refused: the app still works online
  }
  if (container.controller) return true;
  await new Promise<void>((resolve) => container.addEventListener('controllerchange', () => resolve(), { once: true }));
  return true;
}

function showStatus(status: HTMLElement, languageRoot: Element | null): void {
  const render = () => {
    const lang = languageRoot?.querySelector('[lang]')?.getAttribute('lang') ?? document.documentElement.lang;
    const language = lang.startsWith('en') ? 'en' : 'ro';
    const text = translate(language, 'worksOffline');
    // Only real changes: the line may sit inside the observed subtree, and every write is a mutation.
    if (status.textContent !== text) status.textContent = text;
    if (status.lang !== language) status.lang = language;
  };
  render();
  status.hidden = false;
  const observer = new MutationObserver(render);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['lang'] });
  if (languageRoot) observer.observe(languageRoot, { subtree: true, attributes: true, attributeFilter: ['lang'] });
}
