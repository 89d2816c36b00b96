/** Builds the e2e stand-in for navigator.usb as one classic script (tests/e2e/inject-usb.ts). */
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist-test',
    emptyOutDir: true,
    target: 'es2022',
    lib: { entry: 'tests/e2e/inject-usb.ts', formats: ['iife'], name: 'EcardE2e', fileName: () => 'inject-usb.js' },
  },
});
