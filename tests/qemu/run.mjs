// Boots the cached Debian guest in QEMU — with QEMU's USB CCID reader whose card is served by our
// VSCard peer, or without it (the USB/IP suites bring their own readers) — runs `node <script>
// <args…>` in the guest (cwd = the repo, mounted read-only at /mnt/repo) and returns its exit code,
// output and the usb-ccid reader's USB capture.
// CLI: node tests/qemu/run.mjs [--guest DIR] [--timeout SECONDS] [--accel auto|kvm|tcg] [--no-pcap]
//        [--verbose] [--no-usb-ccid] [--memory MB] [--cpus N] <script relative to the repo> [args…]
//        (serves the smoke card to usb-ccid unless --no-usb-ccid)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVscardPeer } from './vscard-peer.mjs';
import { countBulkTransfers, parseUsbmonPcap } from './usbmon-pcap.mjs';
import { createSmokeCard } from './smoke-card.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = resolve(here, '../..');
/** The test data beside the repository (tests/support/corpus.ts reads it), shared read-only with the guest. */
const SHARED_DIR = process.env.ECARD_SHARED_DIR ?? resolve(REPO_DIR, '../shared');
const HOST_COMMAND = /^@@host (\S+)/; // a guest line asking the host to act on the peer

/** Builds the guest unless cached; resolves to its directory. @param {{ verbose?: boolean }} [options] */
export function buildGuest({ verbose = false } = {}) {
  return new Promise((resolvePath, reject) => {
    const child = spawn('sh', [join(here, 'build-guest.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (verbose) process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const dir = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && existsSync(join(dir, 'ready'))) resolvePath(dir);
      else reject(new Error(`build-guest.sh failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/**
 * @typedef {Awaited<ReturnType<typeof startVscardPeer>>} VscardPeer
 * @typedef {{ guestDir: string, script: string, args?: string[], repoDir?: string,
 *   peer?: VscardPeer, card?: import('./vscard-peer.mjs').VscardCard,
 *   hostCommands?: Record<string, (peer: VscardPeer) => void>,
 *   timeoutMs?: number, accel?: 'auto' | 'kvm' | 'tcg', pcap?: boolean, verbose?: boolean,
 *   usbCcid?: boolean, memoryMb?: number, cpus?: number, tcgCpu?: string,
 *   collect?: (outDir: string) => Promise<void> }} RunOptions
 * tcgCpu: QEMU's -cpu under TCG (default "max"); collect: reads what the guest wrote to /mnt/out
 * (the host's outDir) before the directory is removed.
 * @typedef {{ exitCode: number | null, timedOut: boolean, output: string, console: string,
 *   accel: 'kvm' | 'tcg', bootMs: number, apduLog: import('./vscard-peer.mjs').ApduExchange[], peerErrors: string[],
 *   usb: import('./usbmon-pcap.mjs').UsbmonRecord[] | null,
 *   bulkTransfers: { out: number, in: number, failed: number } | null }} RunResult
 */

/** @param {RunOptions} options @returns {Promise<RunResult>} */
export async function runGuest(options) {
  const {
    guestDir, script, args = [], repoDir = REPO_DIR, timeoutMs = 300_000, accel = 'auto', verbose = false,
    usbCcid = true, memoryMb = 512, cpus = 1, tcgCpu = 'max',
  } = options;
  const pcap = usbCcid && (options.pcap ?? true);
  const peer = options.peer ?? (await startVscardPeer({ card: options.card ?? null }));
  /** @type {import('./vscard-peer.mjs').VscardCard | null} */
  let removedCard = null;
  /** @type {Record<string, (peer: VscardPeer) => void>} */
  const hostCommands = {
    'remove-card': () => { removedCard = peer.removeCard() ?? removedCard; },
    'insert-card': () => { if (removedCard) peer.insertCard(removedCard); },
    ...options.hostCommands,
  };
  /** @type {string[]} */
  const peerErrors = [];
  const onPeerError = (/** @type {unknown} */ error) => peerErrors.push(String(error));
  const onAck = (/** @type {number} */ code) => { if (code !== 0) peerErrors.push(`QEMU answered VSCard error code ${code}`); };
  peer.events.on('error', onPeerError).on('ack', onAck);
  const outDir = await mkdtemp(join(tmpdir(), 'ecard-qemu-'));
  try {
    await writeFile(join(outDir, 'argv'), [script, ...args].map((arg) => `${arg}\n`).join(''));
    const attempts = accel === 'auto' ? (existsSync('/dev/kvm') ? ['kvm', 'tcg'] : ['tcg']) : [accel];
    /** @type {RunResult | undefined} */
    let result;
    for (const attempt of /** @type {('kvm' | 'tcg')[]} */ (attempts)) {
      const pcapFile = pcap ? join(outDir, `usb-${attempt}.pcap`) : null;
      const started = Date.now();
      const qemu = await bootQemu({
        guestDir, repoDir, outDir, pcapFile, accel: attempt, port: usbCcid ? peer.port : null, timeoutMs, verbose, memoryMb, cpus, tcgCpu,
        onLine: (line) => {
          const command = HOST_COMMAND.exec(line)?.[1];
          if (command === undefined) return;
          const action = hostCommands[command];
          if (action) action(peer);
          else process.stderr.write(`[qemu-run] unknown host command from the guest: ${command}\n`);
        },
      });
      const exitText = await readFile(join(outDir, 'exit-code'), 'utf8').catch(() => null);
      const usb = pcapFile && existsSync(pcapFile) ? parseUsbmonPcap(new Uint8Array(await readFile(pcapFile))) : null;
      result = {
        exitCode: exitText === null ? null : Number(exitText.trim()),
        timedOut: qemu.timedOut,
        output: await readFile(join(outDir, 'output'), 'utf8').catch(() => ''),
        console: qemu.console,
        accel: attempt,
        bootMs: Date.now() - started,
        apduLog: peer.apduLog,
        peerErrors,
        usb,
        bulkTransfers: usb ? countBulkTransfers(usb) : null,
      };
      if (result.exitCode !== null || qemu.timedOut) {
        await options.collect?.(outDir);
        break;
      }
      // The guest never ran the script: QEMU failed (e.g. KVM's MSR assertion) — try the next accelerator.
      process.stderr.write(`[qemu-run] QEMU with ${attempt} ended (status ${qemu.status}) before the guest finished\n`);
    }
    return /** @type {RunResult} */ (result);
  } finally {
    peer.events.off('error', onPeerError).off('ack', onAck);
    if (!options.peer) await peer.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

/**
 * @param {{ guestDir: string, repoDir: string, outDir: string, pcapFile: string | null, accel: 'kvm' | 'tcg',
 *   port: number | null, timeoutMs: number, verbose: boolean, memoryMb: number, cpus: number, tcgCpu: string,
 *   onLine: (line: string) => void }} config
 * @returns {Promise<{ status: number | string | null, timedOut: boolean, console: string }>}
 */
function bootQemu(config) {
  // QEMU's usb-ccid and its card, a VSCard peer on the host's 127.0.0.1:port (no port: no reader).
  const usbCcid = config.port === null ? [] : [
    '-chardev', `socket,id=vsc,host=127.0.0.1,port=${config.port}`, '-device', 'qemu-xhci,id=xhci',
    '-device', `usb-ccid,bus=xhci.0${config.pcapFile ? `,pcap=${config.pcapFile}` : ''}`, '-device', 'ccid-card-passthru,chardev=vsc',
  ];
  const argv = [
    '-machine', 'q35', '-m', String(config.memoryMb), '-smp', String(config.cpus), '-nographic', '-no-reboot', '-nic', 'none',
    ...(config.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg', '-cpu', config.tcgCpu]),
    '-kernel', join(config.guestDir, 'vmlinuz'),
    '-initrd', join(config.guestDir, 'initrd.img'),
    '-append', `console=ttyS0 root=/dev/vda rw init=/sbin/ecard-init quiet panic=-1${config.port === null ? '' : ' ecard_usb=wait'}`,
    '-drive', `file=${join(config.guestDir, 'rootfs.ext4')},if=virtio,format=raw,snapshot=on`,
    '-virtfs', `local,path=${config.repoDir},mount_tag=repo,security_model=none,readonly=on`,
    '-virtfs', `local,path=${config.outDir},mount_tag=out,security_model=none`,
    ...(existsSync(SHARED_DIR) ? ['-virtfs', `local,path=${SHARED_DIR},mount_tag=shared,security_model=none,readonly=on`] : []),
    ...usbCcid,
  ];
  return new Promise((resolveRun, reject) => {
    const child = spawn('qemu-system-x86_64', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let consoleText = '';
    let pending = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, config.timeoutMs);
    /** @param {Buffer} chunk */
    const collect = (chunk) => {
      const text = chunk.toString('utf8');
      consoleText += text;
      if (config.verbose) process.stderr.write(text);
      pending += text;
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) config.onLine(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ status: code ?? signal, timedOut, console: consoleText });
    });
  });
}

async function main() {
  const argv = process.argv.slice(2);
  /** @type {{ guest?: string, timeout: number, accel: 'auto' | 'kvm' | 'tcg', pcap: boolean, verbose: boolean, usbCcid: boolean, memoryMb: number, cpus: number }} */
  const flags = { timeout: 300, accel: 'auto', pcap: true, verbose: false, usbCcid: true, memoryMb: 512, cpus: 1 };
  while (argv[0]?.startsWith('--')) {
    const flag = argv.shift();
    if (flag === '--guest') flags.guest = argv.shift();
    else if (flag === '--timeout') flags.timeout = Number(argv.shift());
    else if (flag === '--accel') flags.accel = /** @type {'auto' | 'kvm' | 'tcg'} */ (argv.shift());
    else if (flag === '--no-pcap') flags.pcap = false;
    else if (flag === '--verbose') flags.verbose = true;
    else if (flag === '--no-usb-ccid') flags.usbCcid = false;
    else if (flag === '--memory') flags.memoryMb = Number(argv.shift());
    else if (flag === '--cpus') flags.cpus = Number(argv.shift());
    else throw new Error(`unknown flag ${flag}`);
  }
  const [script, ...args] = argv;
  if (!script) throw new Error('usage: run.mjs [flags] <script relative to the repo> [args…]');
  const guestDir = flags.guest ?? (await buildGuest({ verbose: true }));
  const result = await runGuest({
    guestDir, script, args, card: createSmokeCard(), timeoutMs: flags.timeout * 1000,
    accel: flags.accel, pcap: flags.pcap, verbose: flags.verbose, usbCcid: flags.usbCcid, memoryMb: flags.memoryMb, cpus: flags.cpus,
  });
  process.stdout.write(result.output);
  process.stderr.write(`[qemu-run] accel ${result.accel}, ${result.bootMs} ms, exit ${result.exitCode}` +
    `${result.timedOut ? ' (timed out)' : ''}, bulk transfers ${JSON.stringify(result.bulkTransfers)}\n`);
  if (result.exitCode === null) process.stderr.write(result.console);
  process.exitCode = result.exitCode ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
