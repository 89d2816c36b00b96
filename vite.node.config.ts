/**
 * Node bundles of what runs without TypeScript (npm run build:node → dist-node/):
 *   ecard-pin.mjs    the `ecard-pin` CLI (cli/ecard-pin.ts)
 *   guest-suite.mjs  the QEMU suite inside the guest (tests/qemu/guest-suite.ts; Node 20, read-only 9p)
 *   guest-libccid.mjs the libccid suite inside the guest (tests/libccid/guest-libccid.ts)
 *   guest-pcsc.mjs   the Web Smart Card API over pcsc-lite + libccid inside the guest (tests/pcsc-bridge/guest-pcsc.ts)
 *   qemu-host.mjs    the suite's card models and plan for the host's VSCard peer (tests/qemu/host.ts)
 *   bench.mjs        `npm run bench` (bench/bench.ts)
 *   guest-browser-usb.mjs the browser-usb suite inside the guest: the app in a real Chromium over
 *                    real WebUSB (tests/browser-usb/guest-browser-usb.ts; scripts/test-browser-usb.mjs boots it)
 * dist-node/ sits inside the repo so that `usb` resolves from its node_modules in the guest too;
 * it carries its own .gitignore. `vitest run --config vite.node.config.ts` runs the cli/ and
 * tests/qemu/ specs (npm run test:cli), tests/iwa/ (the signed IWA bundle, scripts/build-iwa.mjs), and
 * tests/pcsc-bridge/ (skipped there; `npm run test:pcsc` runs it against a real pcscd).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  build: {
    ssr: true, // Node target: node_modules (usb) and node: builtins stay external
    target: 'node20',
    outDir: 'dist-node',
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    rolldownOptions: {
      input: {
        'ecard-pin': 'cli/ecard-pin.ts',
        'guest-suite': 'tests/qemu/guest-suite.ts',
        'guest-libccid': 'tests/libccid/guest-libccid.ts',
        'guest-pcsc': 'tests/pcsc-bridge/guest-pcsc.ts',
        'qemu-host': 'tests/qemu/host.ts',
        bench: 'bench/bench.ts',
        'guest-browser-usb': 'tests/browser-usb/guest-browser-usb.ts',
      },
      output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
    },
  },
  plugins: [
    {
      name: 'ignore-output-dir',
      generateBundle() {
        this.emitFile({ type: 'asset', fileName: '.gitignore', source: '# build output of vite.node.config.ts\n*\n' });
      },
    },
  ],
  test: {
    include: ['cli/**/*.spec.ts', 'tests/qemu/**/*.spec.ts', 'tests/usbip/**/*.spec.ts', 'tests/libccid/**/*.spec.ts', 'tests/iwa/**/*.test.ts', 'tests/browser-usb/**/*.spec.ts', 'tests/pcsc-bridge/**/*.test.ts', 'tests/pcsc-bridge/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
