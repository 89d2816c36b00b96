#!/usr/bin/env node
/**
 * `npm run test:pcsc`: src/pcsc and the flows against REAL pcsc-lite. A pcscd of Debian's (1.9.9)
 * runs in the foreground with one reader, vsmartcard's vpcd, whose card is our virtual eCard served
 * from Node (vpcd-card.ts); the tests reach pcscd through the Web Smart Card API stand-in over
 * python3-pyscard (bridge.py, pyscard-backend.ts).
 *
 * Everything runs in a private network namespace (unshare --net) whose only interface is loopback:
 * vpcd listens on INADDR_ANY, which there means 127.0.0.1 and nothing else. pcscd uses its usual
 * socket (/run/pcscd/pcscd.comm; a path socket is reachable from any namespace), so no other pcscd
 * may run meanwhile; it is stopped at the end.
 *
 * Needs root (the namespace, /run/pcscd) and `apt-get install pcscd python3-pyscard vsmartcard-vpcd`.
 * With --optional, a machine without them prints "pcsc: skipped — <why>" and succeeds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const PCSCD_DIR = '/run/pcscd';
const PYTHON = process.env.PCSC_BRIDGE_PYTHON ?? '/usr/bin/python3';
/** vpcd's own default port (0x8C7B); slot 1 takes the next one. Private to the namespace. */
const VPCD_PORT = 35963;
const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;

const args = process.argv.slice(2);

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { env: { ...process.env, PATH } }).status === 0;
}

/** Why this machine cannot run the suite, or null. */
function missing() {
  if (process.platform !== 'linux') return 'pcscd and network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'needs root (a private network namespace, /run/pcscd)';
  for (const command of ['pcscd', 'unshare', 'ip']) if (!has(command)) return `no ${command} (apt-get install -y pcscd python3-pyscard vsmartcard-vpcd iproute2)`;
  if (!existsSync(VPCD_DRIVER)) return `no ${VPCD_DRIVER} (apt-get install -y vsmartcard-vpcd)`;
  if (spawnSync(PYTHON, ['-c', 'import smartcard.scard'], { stdio: 'ignore' }).status !== 0) return `${PYTHON} has no pyscard (apt-get install -y python3-pyscard)`;
  const pidFile = join(PCSCD_DIR, 'pcscd.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0 && spawnSync('kill', ['-0', String(pid)]).status === 0) {
      return `a pcscd already runs (pid ${pid}); stop it first (systemctl stop pcscd.socket pcscd)`;
    }
  }
  if (spawnSync('unshare', ['--net', 'true'], { env: { ...process.env, PATH } }).status !== 0) return 'unshare --net is not allowed here';
  return null;
}

async function outside() {
  const why = missing();
  if (why) {
    console.log(`pcsc: skipped — ${why}`);
    process.exit(args.includes('--optional') ? 0 : 1);
  }
  const run = spawnSync('unshare', ['--net', '--', process.execPath, SELF, '--inside'], { stdio: 'inherit', env: { ...process.env, PATH } });
  process.exit(run.status ?? 1);
}

async function waitFor(check, ms, what) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function inside() {
  spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'inherit', env: { ...process.env, PATH } });
  // No pcscd runs (checked): a socket file left by one that crashed would look like ours starting.
  rmSync(join(PCSCD_DIR, 'pcscd.comm'), { force: true });
  const conf = mkdtempSync(join(tmpdir(), 'ecard-pcscd-'));
  writeFileSync(
    join(conf, 'vpcd'),
    `FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:${VPCD_PORT}\nLIBPATH ${VPCD_DRIVER}\nCHANNELID ${VPCD_PORT}\n`,
  );
  // Default log level (errors only): pcscd's debug levels can print APDUs, and a screen-keypad VERIFY carries the PIN.
  const pcscd = spawn('pcscd', ['--foreground', '--config', conf], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH } });
  let log = '';
  pcscd.stdout.on('data', (chunk) => (log += chunk));
  pcscd.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) => pcscd.on('exit', (code, signal) => resolve(`${code ?? signal}`)));
  let status = 1;
  try {
    await waitFor(() => existsSync(join(PCSCD_DIR, 'pcscd.comm')), 10_000, 'pcscd to listen');
    console.log(`pcsc: pcscd ${spawnSync('pcscd', ['--version'], { encoding: 'utf8', env: { ...process.env, PATH } }).stdout.split('\n')[0]} (pid ${pcscd.pid}), vpcd on 127.0.0.1:${VPCD_PORT} in a private network namespace`);
    const vitest = spawnSync('npx', ['vitest', 'run', '--config', 'vite.node.config.ts', 'tests/pcsc-bridge'], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, ECARD_PCSC_REAL: '1', VPCD_PORT: String(VPCD_PORT) },
    });
    status = vitest.status ?? 1;
  } finally {
    pcscd.kill('SIGTERM');
    console.log(`pcsc: pcscd stopped (${await exited})`);
    rmSync(conf, { recursive: true, force: true });
  }
  if (status !== 0 && log.trim()) console.log(`pcscd said:\n${log.trim().split('\n').slice(-20).join('\n')}`);
  process.exit(status);
}

void (args[0] === '--inside' ? inside() : outside()).catch((error) => {
  console.error(error);
  process.exit(1);
});
