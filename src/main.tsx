/** Entry point: the only place that reads browser globals; everything below gets them injected. */
import { render } from 'preact';
import { App } from './ui/app';
import { startOffline } from './offline';
import { AppPlaceContext, appPlace, ISOLATED_APP_PROTOCOL, type PermissionsPolicyProbe } from './ui/place';
import './ui/app/style.css';

const usb = 'usb' in navigator ? navigator.usb : null;
const kiosk = new URLSearchParams(location.search).get('kiosk') === '1';
// The permissions policy as the browser applies it: Chrome calls it featurePolicy, the spec permissionsPolicy.
const policies = document as Document & { featurePolicy?: PermissionsPolicyProbe; permissionsPolicy?: PermissionsPolicyProbe };
const place = appPlace(location.protocol, policies.permissionsPolicy ?? policies.featurePolicy);
const root = document.getElementById('app');
// A kiosk runs full screen; browsers allow it only from a user gesture, so the first touch asks.
if (kiosk) {
  document.addEventListener('pointerdown', () => void document.documentElement.requestFullscreen?.().catch(() => undefined), { once: true });
}
if (root) {
  render(
    <AppPlaceContext.Provider value={place}>
      <App
        usb={usb}
        secureContext={window.isSecureContext}
        storage={localStorage}
        kiosk={kiosk}
        userAgent={navigator.userAgent}
        copyText={(text) => navigator.clipboard.writeText(text)}
        loadTraining={async () => (await import('./sim/training')).createTrainingDesk()}
      />
    </AppPlaceContext.Provider>,
    root,
  );
}

void startOffline({
  container: 'serviceWorker' in navigator ? navigator.serviceWorker : undefined,
  scriptUrl: '/sw.js',
  status: document.getElementById('offline-status'),
  languageRoot: root,
  isolated: location.protocol === ISOLATED_APP_PROTOCOL,
});
