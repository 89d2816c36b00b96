// npm run test:browser-usb — the built app in a real Chromium over real USB: builds the app as a
// page (dist/) and as an IWA (dist-iwa/app), bundles the guest side (dist-node/), boots the cached
// guest (no usb-ccid, 2 GB), where dist-node/guest-browser-usb.mjs plugs corpus readers into the
// guest's kernel over USB/IP, serves the app on the guest's 127.0.0.1, writes the WebUSB policy,
// starts Debian's Chromium and runs the notice's procedure through the app's Romanian labels
// (tests/browser-usb/README.md). Prints each scenario, the times (guest boot, Chromium start, IWA
// installs, each scenario, total), and last "browser-usb: N passed, M failed" (exit 1 when M > 0)
// or "browser-usb: skipped — reason".
// Flags: --optional (as test:qemu), --verbose (guest console), --screenshots (the screens as
// docs/screenshots/2N-real-….png), --only TEXT[,TEXT] and --probe-signed-bundle FILE (passed to
// the guest: tests/browser-usb/guest-browser-usb.ts).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR, runGuest } from '../tests/qemu/run.mjs';
import { endGuestSuite, prepareGuest, seconds } from '../tests/qemu/prepare.mjs';

const NAME = 'browser-usb';
const PREFIX = 'BROWSER-USB';
const argv = process.argv.slice(2);
const optional = argv.includes('--optional');
const verbose = argv.includes('--verbose');
const screenshots = argv.includes('--screenshots');
/** The first screenshot's number in docs/screenshots/ (01–20 are the e2e's). */
const FIRST_SHOT = 21;
/** @param {string} flag */
const passed = (flag) => {
  const at = argv.indexOf(flag);
  return at >= 0 && argv[at + 1] !== undefined ? [flag, /** @type {string} */ (argv[at + 1])] : [];
};

const started = Date.now();
const prepared = await prepareGuest({ name: NAME, optional });
let at = Date.now();
try {
  const { build } = await import('vite');
  await build({ configFile: join(REPO_DIR, 'vite.config.ts'), logLevel: 'warn' });
  execFileSync(process.execPath, [join(REPO_DIR, 'scripts', 'build-iwa.mjs')], { stdio: 'pipe' }); // its warning about the development key is expected here
} catch (error) {
  console.log(`${NAME}: 0 passed, 1 failed — building the app failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const appBuildMs = Date.now() - at;

/** @type {string[]} */
const shotsTaken = [];
const result = await runGuest({
  guestDir: prepared.guestDir,
  script: 'dist-node/guest-browser-usb.mjs',
  args: [...(screenshots ? ['--screenshots', '/mnt/out/screenshots'] : []), ...passed('--only'), ...passed('--probe-signed-bundle')],
  usbCcid: false,
  memoryMb: 2048,
  cpus: 2,
  // QEMU 7.2's TCG AVX/AVX2: Chromium's GPU process died with SIGSEGV in 3 of 4 runs (6 crashes,
  // then "GPU process isn't usable. Goodbye."), screenshots failed; without AVX, none in 5 runs.
  tcgCpu: 'max,avx=off,avx2=off',
  timeoutMs: 20 * 60_000,
  verbose,
  collect: async (outDir) => {
    const dir = join(outDir, 'screenshots');
    if (!existsSync(dir)) return;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.png')).sort()) {
      const [number = '0', ...rest] = file.split('-');
      const target = join(REPO_DIR, 'docs', 'screenshots', `${FIRST_SHOT - 1 + Number(number)}-real-${rest.join('-')}`);
      copyFileSync(join(dir, file), target);
      shotsTaken.push(target.slice(REPO_DIR.length + 1));
    }
  },
});

const lines = result.output.split('\n');
/** @param {string} kind @returns {any[]} */
const data = (kind) => lines.filter((l) => l.startsWith(`${PREFIX}-${kind} `)).map((l) => JSON.parse(l.slice(`${PREFIX}-${kind} `.length)));
for (const line of lines) if (!/^BROWSER-USB-(TIME|PROBE|NOTE|FACTS) /.test(line) && line.trim()) console.log(line);
for (const note of data('NOTE')) console.log(`note: ${note}`);
for (const probe of data('PROBE')) {
  console.log(`signed bundle, ${probe.route}: ${probe.installed ? 'INSTALLED' : 'not installed'} (${seconds(probe.ms)}) — ${probe.answer}`);
}
/** ISO 7816-4 / the eCard profile: the PIN commands a card's ledger counts. */
const PIN_COMMANDS = { 0x20: 'VERIFY', 0x24: 'CHANGE', 0x2c: 'RESET' };
const ledgers = data('FACTS').filter((f) => Array.isArray(f.facts.ledger));
if (ledgers.length > 0) {
  console.log('\nThe card\'s own ledger after each scenario (command: ok or wrong, tries left after it):');
  for (const { name, facts } of ledgers) {
    /** @type {{ ins: number, ok: boolean, triesLeftAfter: number }[]} */
    const ledger = facts.ledger;
    const entries = ledger.map((t) => `${PIN_COMMANDS[/** @type {keyof typeof PIN_COMMANDS} */ (t.ins)] ?? t.ins} ${t.ok ? 'ok' : 'wrong'} (${t.triesLeftAfter} left)`);
    const extra = [
      ...(facts.triesConsumed !== undefined ? [`tries consumed ${facts.triesConsumed}`] : []),
      ...(facts.pinAfter ? [`PIN ${facts.pinAfter}`] : []),
    ];
    console.log(`  ${name.split(': ')[0]}: ${entries.join(', ') || 'nothing counted'}${extra.length ? `; ${extra.join(', ')}` : ''}`);
  }
}
const times = data('TIME');
if (times.length > 0) {
  console.log('\nTimes in the guest (TCG unless KVM is there):');
  for (const t of times) console.log(`  ${seconds(t.ms).padStart(8)}  ${t.what}`);
}
for (const shot of shotsTaken) console.log(`screenshot: ${shot}`);

endGuestSuite({ name: NAME, prefix: PREFIX, lines, prepared, result, startedAt: started, extraTimes: `app builds ${seconds(appBuildMs)}; ` });
