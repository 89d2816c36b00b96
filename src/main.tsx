/** Entry point: the only place that reads browser globals; everything below gets them injected. */
import { render } from 'preact';
import { App } from './ui/app';
import './ui/app/style.css';

const usb = 'usb' in navigator ? navigator.usb : null;
const root = document.getElementById('app');
if (root) {
  render(
    <App
      usb={usb}
      secureContext={window.isSecureContext}
      loadTraining={async () => (await import('./sim/training')).createTrainingDesk().reader.device}
    />,
    root,
  );
}
