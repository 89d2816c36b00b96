/**
 * `npm run bench`: the speed and memory figures of issue 7, measured on the virtual readers (and the
 * production build in Debian Chromium). A benchmark, not a test: it prints a table next to the
 * targets and writes bench-results/bench.json; it fails nothing.
 */
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { preview, type Plugin } from 'vite';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CcidReader, fromHex, type CcidSlot } from '../src/ccid';
import { checkCard, changePin, pinpadSource, resetPin, screenSource, verifyPin, type FlowContext } from '../src/flows';
import { createApduCard, createCasConsole, createT1Card, createVirtualEcard, createVirtualReader, type VirtualCard, type VirtualReader } from '../src/sim';

const SHARED = process.env.ECARD_SHARED_DIR ?? join(process.cwd(), '../shared');
const vectors = JSON.parse(readFileSync(join(SHARED, 'ccid-readers/vectors.json'), 'utf8')) as {
  file: string;
  idVendor: number;
  idProduct: number;
  ccid_class_descriptor_hex: string;
  get_data_rates_bps: number[];
}[];

function reader(file: string, pinpad = false): VirtualReader {
  const v = vectors.find((x) => x.file === file);
  if (!v) throw new Error(`no ${file} in the corpus`);
  return createVirtualReader({ descriptor: v.ccid_class_descriptor_hex, vendorId: v.idVendor, productId: v.idProduct, dataRates: v.get_data_rates_bps, pinpad });
}

const ECARD_ATR = fromHex('3B F0 13 00 00 81 31 FE 45 E8');
const ok = Uint8Array.of(0x90, 0x00);

async function powered(virtual: VirtualReader, card: VirtualCard): Promise<{ slot: CcidSlot; reader: CcidReader }> {
  virtual.insert(card);
  const r = await CcidReader.open(virtual.device);
  const slot = r.slots[0];
  if (!slot) throw new Error('no slot');
  await slot.powerOn();
  return { slot, reader: r };
}

/** µs of wall time per APDU over `runs` (after a warm-up), driver and virtual reader together. */
async function perApdu(slot: CcidSlot, apdu: Uint8Array, runs: number): Promise<{ apdusPerSecond: number; microseconds: number }> {
  for (let i = 0; i < Math.min(500, runs); i++) await slot.transmit(apdu);
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await slot.transmit(apdu);
  const ns = Number(process.hrtime.bigint() - start);
  return { apdusPerSecond: Math.round((runs * 1e9) / ns), microseconds: ns / runs / 1000 };
}

async function driverCost() {
  const select = fromHex('00 A4 04 0C 0B E8 28 BD 08 0F D6 42 00 00 01 01');
  const big = new Uint8Array(4096 + 2);
  big.set(ok, 4096);
  const rows = [];
  const short = await powered(reader('CardMan3821.txt'), createApduCard({ atr: fromHex('3B 80 80 01 01'), apdu: () => ok }));
  rows.push({ case: 'short APDU (CardMan 3821)', ...(await perApdu(short.slot, select, 20_000)) });
  const ext = await powered(reader('AF_Care_One_AFC0.txt'), createApduCard({ atr: fromHex('3B 80 80 01 01'), apdu: () => big }));
  rows.push({ case: 'extended APDU, 4 KB response (AF Care One)', ...(await perApdu(ext.slot, fromHex('00 B0 00 00 00 10 00'), 5_000)) });
  const t1 = await powered(reader('GemPCTwin.txt'), createT1Card({ atr: ECARD_ATR, apdu: () => ok }));
  rows.push({ case: 'TPDU T=1 (GemPC Twin)', ...(await perApdu(t1.slot, select, 20_000)) });
  const t0 = await powered(reader('BIFIT_ANGARA.txt'), createApduCard({ atr: fromHex('3B 02 14 50'), apdu: () => ok }));
  rows.push({ case: 'TPDU T=0 (BIFIT ANGARA)', ...(await perApdu(t0.slot, select, 20_000)) });
  return rows;
}

async function transfersPerFlow() {
  const virtual = reader('CardMan3821.txt', true);
  const card = createVirtualEcard({ state: 'blocked' });
  const cas = createCasConsole(card);
  const { slot } = await powered(virtual, card);
  const ctx: FlowContext = { slot, pins: pinpadSource(screenSource(async () => null)), confirmLastTry: async () => true, authority: cas };
  const measure = async (name: string, minimumCommands: number, run: () => Promise<unknown>) => {
    const before = virtual.device.transfers.bulkOut + virtual.device.transfers.bulkIn;
    await run();
    const used = virtual.device.transfers.bulkOut + virtual.device.transfers.bulkIn - before;
    // Each CCID command is one bulk OUT + one bulk IN: the minimum is 2 per command the procedure needs.
    return { flow: name, transfers: used, minimum: minimumCommands * 2, ratio: used / (minimumCommands * 2) };
  };
  const rows = [];
  // check card: power on, SELECT, tries-left query.
  rows.push(await measure('check card', 3, () => checkCard(ctx)));
  cas.unblock();
  virtual.pinpad?.enter('0000');
  rows.push(await measure('reset PIN', 4, () => resetPin(ctx)));
  virtual.pinpad?.enter('0000');
  virtual.pinpad?.enter('4821');
  virtual.pinpad?.enter('4821');
  rows.push(await measure('change PIN', 4, () => changePin(ctx)));
  virtual.pinpad?.enter('4821');
  rows.push(await measure('verify PIN', 4, () => verifyPin(ctx)));
  return rows;
}

async function t1Blocks() {
  const virtual = reader('GemPCTwin.txt');
  const { slot } = await powered(virtual, createT1Card({ atr: ECARD_ATR, apdu: (c) => (c[1] === 0xb0 ? new Uint8Array(602).fill(7) : ok) }));
  const rows = [];
  for (const [name, apdu, commandLength, responseLength] of [
    ['tries-left query (4 → 2 bytes)', fromHex('00 20 00 01'), 4, 2],
    ['607-byte command → 2 bytes', Uint8Array.from([0, 0xd6, 0, 0, 0, 2, 0x58, ...new Uint8Array(600)]), 607, 2],
    ['READ 600 bytes (7 → 602 bytes)', fromHex('00 B0 00 00 00 02 58'), 7, 602],
  ] as const) {
    const before = virtual.firmware.commands['XfrBlock'] ?? 0;
    await slot.transmit(apdu);
    const used = (virtual.firmware.commands['XfrBlock'] ?? 0) - before;
    const ifs = 254;
    // Minimum XfrBlocks: ⌈command/IFSC⌉ I-blocks out (each but the last answered by an R-block),
    // then ⌈response/IFSD⌉ I-blocks in (each but the first asked for by an R-block).
    const minimum = Math.ceil(commandLength / ifs) + Math.ceil(responseLength / ifs) - 1;
    rows.push({ apdu: name, blocks: used, minimum, ratio: used / minimum });
  }
  return rows;
}

async function wireTime() {
  const check = async (virtual: VirtualReader) => {
    const { slot } = await powered(virtual, createT1Card({ atr: ECARD_ATR, apdu: (c) => (c[1] === 0x20 ? fromHex('63 C5') : ok) }));
    const before = virtual.firmware.wireTimeSeconds(0);
    await slot.transmit(fromHex('00 A4 04 0C 0B E8 28 BD 08 0F D6 42 00 00 01 01'));
    await slot.transmit(fromHex('00 20 00 01'));
    return { seconds: virtual.firmware.wireTimeSeconds(0) - before, di: slot.session?.plan?.di };
  };
  const fast = await check(reader('GemPCTwin.txt'));
  const slowDescriptor = fromHex(vectors.find((x) => x.file === 'GemPCTwin.txt')?.ccid_class_descriptor_hex ?? '');
  new DataView(slowDescriptor.buffer).setUint32(23, 10_753, true);
  const slow = await check(createVirtualReader({ descriptor: slowDescriptor }));
  return { negotiatedDi: fast.di, negotiatedMs: fast.seconds * 1000, defaultMs: slow.seconds * 1000, speedUp: slow.seconds / fast.seconds };
}

async function heapOverFlows(count: number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  const virtual = reader('CardMan3821.txt', true);
  const { slot } = await powered(virtual, createVirtualEcard({ state: 'active' }));
  const ctx: FlowContext = { slot, pins: screenSource(async () => null), confirmLastTry: async () => true };
  for (let i = 0; i < 300; i++) await checkCard(ctx); // warm-up: the simulator's bounded records fill up
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) await checkCard(ctx);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  return { flows: count, heapBeforeKb: Math.round(before / 1024), heapAfterKb: Math.round(after / 1024), growthKb: Math.round((after - before) / 1024), gcExposed: gc !== undefined };
}

function buildSize() {
  const dist = 'dist';
  const files: { file: string; raw: number; gzip: number }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(js|css|html|svg|png|webmanifest)$/.test(name)) {
        const bytes = readFileSync(path);
        files.push({ file: path, raw: bytes.length, gzip: gzipSync(bytes).length });
      }
    }
  };
  walk(dist);
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  // The first screen loads what index.html names (entry script, its static imports, CSS).
  const firstScreen = files.filter((f) => f.file.endsWith('index.html') || html.includes(f.file.slice(dist.length)));
  return { files, firstScreenGzipKb: firstScreen.reduce((n, f) => n + f.gzip, 0) / 1024 };
}

/** The yardstick of the load figure: a page with one button and nothing else (issue 15). */
const BLANK_PATH = '/__bench/blank.html';
const BLANK_PAGE =
  '<!doctype html><html lang="ro"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<title>blank</title></head><body><button type="button">OK</button></body></html>';

/** Serves BLANK_PAGE beside the build from the same preview server (same server, same headers path). */
function blankPage(): Plugin {
  return {
    name: 'bench-blank-page',
    configurePreviewServer(server) {
      server.middlewares.use((request, response, next) => {
        if (request.url !== BLANK_PATH) return next();
        response.setHeader('content-type', 'text/html; charset=utf-8');
        response.end(BLANK_PAGE);
      });
    },
  };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const PREVIEW_READY = 'bench preview ready';

/** BENCH_PREVIEW=1: this process only serves the build and the blank page, until it is stopped. */
async function servePreview(port: number): Promise<void> {
  await preview({ logLevel: 'silent', plugins: [blankPage()], preview: { host: '127.0.0.1', port, strictPort: true } });
  console.log(PREVIEW_READY);
}

/**
 * The preview server in a process of its own, as a deployment has it: served from the measuring
 * process, every file would wait for that process's own work on the browser's events.
 */
async function startPreview(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_PREVIEW: '1', BENCH_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let said = '';
  child.stdout?.on('data', (chunk: Buffer) => void (said += chunk.toString()));
  while (!said.includes(PREVIEW_READY)) {
    if (child.exitCode !== null) throw new Error(`bench preview server exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

/**
 * Load-to-interactive of the production build in Debian Chromium, beside a blank page with one
 * button, in the same run: from navigation start to the first enabled button, each page in a fresh
 * context (no cache, no worker), the two pages taking turns so that both meet the same machine.
 */
async function loadToInteractive(runs: number) {
  const port = Number(process.env.BENCH_PORT ?? 4175);
  const server = await startPreview(port);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const measure = async (path: string): Promise<number> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}${path}`);
    await page.waitForSelector('button:not([disabled])');
    const ms = await page.evaluate(() => performance.now());
    await context.close();
    return ms;
  };
  const app: number[] = [];
  const blank: number[] = [];
  try {
    await measure('/'); // warm-up: the server's and the browser's first page
    for (let i = 0; i < runs; i++) {
      blank.push(await measure(BLANK_PATH));
      app.push(await measure('/'));
    }
  } finally {
    await browser.close();
    server.kill();
    await once(server, 'exit');
  }
  const appMs = median(app);
  const blankMs = median(blank);
  return { runs, medianMs: appMs, blankMedianMs: blankMs, ratio: appMs / blankMs, allMs: app.map(Math.round), blankAllMs: blank.map(Math.round) };
}

async function main(): Promise<void> {
  const results = {
    driverCost: await driverCost(),
    transfersPerFlow: await transfersPerFlow(),
    t1BlocksPerApdu: await t1Blocks(),
    wireTime: await wireTime(),
    heap: await heapOverFlows(1_000),
    build: buildSize(),
    load: await loadToInteractive(21),
  };
  console.log('\nDriver cost per APDU (zero-latency virtual reader; driver + simulator, target ≤ 50 µs for a short APDU)');
  console.table(results.driverCost.map((r) => ({ ...r, microseconds: Number(r.microseconds.toFixed(1)) })));
  console.log('USB transfers per flow (target 1.00× the minimum)');
  console.table(results.transfersPerFlow.map((r) => ({ ...r, ratio: r.ratio.toFixed(2) })));
  console.log('T=1 XfrBlocks per APDU, IFSC = IFSD = 254 (target 1.00×)');
  console.table(results.t1BlocksPerApdu.map((r) => ({ ...r, ratio: r.ratio.toFixed(2) })));
  console.log('Wire time of the card check (target: the fastest speed the reader allows)');
  console.table([{ ...results.wireTime, negotiatedMs: results.wireTime.negotiatedMs.toFixed(2), defaultMs: results.wireTime.defaultMs.toFixed(2), speedUp: results.wireTime.speedUp.toFixed(2) }]);
  console.log('Heap over 1,000 check-card flows (target flat)');
  console.table([results.heap]);
  console.log(`Production build: first screen ${results.build.firstScreenGzipKb.toFixed(1)} KB gzip (target ≤ 32 KB)`);
  console.table(results.build.files.map((f) => ({ file: f.file, rawKb: (f.raw / 1024).toFixed(1), gzipKb: (f.gzip / 1024).toFixed(1) })));
  const { load } = results;
  console.log(`Load to interactive in Chromium, ${load.runs} runs each, taking turns (target: the app ≤ 1.3× the blank page)`);
  console.log(`  blank page with one button: median ${load.blankMedianMs.toFixed(0)} ms (${load.blankAllMs.join(', ')} ms)`);
  console.log(`  the app:                    median ${load.medianMs.toFixed(0)} ms (${load.allMs.join(', ')} ms)`);
  console.log(`  ratio app / blank: ${load.ratio.toFixed(2)}×`);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/bench.json', JSON.stringify(results, null, 2));
  console.log('written: bench-results/bench.json');
}

if (process.env.BENCH_PREVIEW === '1') await servePreview(Number(process.env.BENCH_PORT ?? 4175));
else await main();
