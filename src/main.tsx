/** Entry point: the only place that reads browser globals; everything below gets them injected. */
import { render } from 'preact';
import { App } from './ui/app';
import { startOffline } from './offline';
import type { SmartCardResourceManager } from './pcsc';
import './ui/app/style.css';

const usb = 'usb' in navigator ? navigator.usb : null;
/** Web Smart Card API: Isolated Web Apps only (WICG web-smart-card; establishContext() says whether "smart-card" is allowed). */
const smartCard = (navigator as Navigator & { smartCard?: SmartCardResourceManager }).smartCard ?? null;
const kiosk = new URLSearchParams(location.search).get('kiosk') === '1';
const root = document.getElementById('app');
// A kiosk runs full screen; browsers allow it only from a user gesture, so the first touch asks.
if (kiosk) {
  document.addEventListener('pointerdown', () => void document.documentElement.requestFullscreen?.().catch(() => undefined), { once: true });
}
if (root) {
  render(
    <App
      usb={usb}
      smartCard={smartCard}
      secureContext={window.isSecureContext}
      storage={localStorage}
      kiosk={kiosk}
      userAgent={navigator.userAgent}
      copyText={(text) => navigator.clipboard.writeText(text)}
      loadTraining={async () => (await import('./sim/training')).createTrainingDesk()}
    />,
    root,
  );
}

void startOffline({
  container: 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
  scriptUrl: '/sw.js',
  status: document.getElementById('offline-status'),
  languageRoot: root,
  isolated: location.protocol === 'isolated-app:',
});
