#!/usr/bin/env node
// `ecard-pin` (package.json "bin"): runs the bundled CLI; the TypeScript sources need `npm run build:node` first.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist-node/ecard-pin.mjs', import.meta.url);
if (!existsSync(bundle)) {
  console.error('ecard-pin: not built yet; run `npm run build:node` in the ecard-pin folder first');
  process.exit(70);
}
await import(bundle.href);
