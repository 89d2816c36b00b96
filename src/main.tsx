/** Entry point: the only place that reads browser globals; everything below gets them injected. */
import { render } from 'preact';
import { App } from './ui/app';
import { pageOf } from './ui/about/route';
import { startOffline } from './offline';
import { AppPlaceContext, appPlace, ISOLATED_APP_PROTOCOL, type PermissionsPolicyProbe } from './ui/place';
import type { SmartCardResourceManager } from './pcsc';
import './ui/app/style.css';

const usb = 'usb' in navigator ? navigator.usb : null;
/** Web Smart Card API: Isolated Web Apps only (WICG web-smart-card; establishContext() says whether "smart-card" is allowed). */
const smartCard = (navigator as Navigator & { smartCard?: SmartCardResourceManager }).smartCard ?? null;
const kiosk = new URLSearchParams(location.search).get('kiosk') === '1';
// The permissions policy as the browser applies it: Chrome calls it featurePolicy, the spec permissionsPolicy.
const policies = document as Document & { featurePolicy?: PermissionsPolicyProbe; permissionsPolicy?: PermissionsPolicyProbe };
const place = appPlace(location.protocol, policies.permissionsPolicy ?? policies.featurePolicy);
const root = document.getElementById('app');
const loadTraining = async () => (await import('./sim/training')).createTrainingDesk();
// A kiosk runs full screen; browsers allow it only from a user gesture, so the first touch asks.
if (kiosk) {
  document.addEventListener('pointerdown', () => void document.documentElement.requestFullscreen?.().catch(() => undefined), { once: true });
}
if (root) {
  // The page "Ce face aplicația" is a URL fragment: the app draws again when it changes.
  const draw = () =>
    render(
      <AppPlaceContext.Provider value={place}>
        <App
          usb={usb}
          smartCard={smartCard}
          secureContext={window.isSecureContext}
          storage={localStorage}
          kiosk={kiosk}
          userAgent={navigator.userAgent}
          copyText={(text) => navigator.clipboard.writeText(text)}
          print={() => window.print()}
          page={pageOf(location.hash)}
          navigate={(hash) => void (location.hash = hash)}
          loadTraining={loadTraining}
        />
      </AppPlaceContext.Provider>,
      root,
    );
  draw();
  window.addEventListener('hashchange', draw);
}

/**
 * The offline worker downloads the whole build (every chunk, ~250 KB) into its cache. It starts a
 * moment after the page has loaded, so that this download never competes with the first screen.
 */
const OFFLINE_WORKER_DELAY_MS = 1000;
const startWorker = () =>
  void startOffline({
    container: 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
    scriptUrl: '/sw.js',
    status: document.getElementById('offline-status'),
    languageRoot: root,
    isolated: location.protocol === ISOLATED_APP_PROTOCOL,
  });
addEventListener('load', () => setTimeout(startWorker, OFFLINE_WORKER_DELAY_MS), { once: true });
