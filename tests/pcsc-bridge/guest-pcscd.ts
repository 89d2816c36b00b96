/**
 * Inside the QEMU guest: the daemons of the reference PC/SC stack. systemd-udevd, because pcscd
 * learns of new readers from udev's netlink events (pcsc-lite hotplug_libudev); pcscd in the
 * foreground with its debug log (libccid's lines included) kept for the report.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pcscd {
  /** The daemon's log so far (pcscd --debug; libccid logs through it). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * The kernel's NFC driver pn533_usb binds to the ACS ACR122U (072F:2200) and talks to it first
 * (IccPowerOn at 1.8 V, then a PN533 GetFirmwareVersion wrapped in PC_to_RDR_Escape, both with
 * bSeq 0 — seen under the libccid suite); with a real ACR122U it keeps the reader from pcscd. A
 * Linux desk that uses pcscd blacklists it, and so does the guest.
 */
export async function keepNfcDriverAway(): Promise<void> {
  await writeFile('/etc/modprobe.d/ecard-pin-no-nfc.conf', 'blacklist pn533_usb\nblacklist pn533\n');
  await run('modprobe', ['-r', 'pn533_usb']).catch(() => undefined);
}

/** Starts systemd-udevd and replays the devices already present. */
export async function startUdevd(): Promise<void> {
  await run('/lib/systemd/systemd-udevd', ['--daemon']);
  await run('udevadm', ['trigger', '--action=add']);
  await run('udevadm', ['settle', '--timeout=30']);
}

/**
 * pcscd --foreground --debug. `libccidLogLevel` sets libccid's ifdLogLevel through the environment
 * (libccid reads LIBCCID_ifdLogLevel): 1 critical, 2 info, 4 USB frames, 8 periodic.
 */
export function startPcscd(libccidLogLevel = 0x0003): Promise<Pcscd> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('pcscd', ['--foreground', '--debug'], {
      env: { ...process.env, LIBCCID_ifdLogLevel: `0x${libccidLogLevel.toString(16).padStart(4, '0')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const collect = (chunk: Buffer): void => {
      text += chunk.toString();
      if (text.length > 2_000_000) text = text.slice(-1_000_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', reject);
    const ready = setInterval(() => {
      // pcscd prints this once its socket listens and the hotplug thread runs.
      if (/pcscdaemon\.c:\d+:main\(\) pcsc-lite .* daemon ready\./.test(text) || text.includes('daemon ready')) {
        clearInterval(ready);
        resolve({
          log: () => text,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(ready);
      reject(new Error(`pcscd exited (${code}) before it was ready:\n${text.slice(-2000)}`));
    });
  });
}
