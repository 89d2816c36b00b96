/**
 * Builds the e2e stand-ins as classic scripts: `vite build --config vite.inject.config.ts` makes
 * dist-test/inject-usb.js (navigator.usb, tests/e2e/inject-usb.ts); with `--mode smart-card` it
 * adds dist-test/inject-smart-card.js (navigator.smartCard, tests/e2e/inject-smart-card.ts).
 * One entry per build: an IIFE bundle has a single entry.
 */
import { defineConfig } from 'vite';

export default defineConfig(({ mode }) => {
  const smartCard = mode === 'smart-card';
  const name = smartCard ? 'inject-smart-card' : 'inject-usb';
  return {
    build: {
      outDir: 'dist-test',
      emptyOutDir: !smartCard,
      target: 'es2022',
      lib: { entry: `tests/e2e/${name}.ts`, formats: ['iife'], name: smartCard ? 'EcardE2eSmartCard' : 'EcardE2e', fileName: () => `${name}.js` },
    },
  };
});
