/**
 * Inside the QEMU guest: a usbmon capture of one USB bus with tcpdump (binary usbmon, link type
 * LINKTYPE_USB_LINUX_MMAPPED), read back with the same pcap reader as QEMU's usb-ccid capture.
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { parseUsbmonPcap, type UsbmonRecord } from '../qemu/usbmon-pcap.mjs';

export interface UsbmonCapture {
  /** Stops tcpdump and resolves with every record of the device. */
  stop(): Promise<UsbmonRecord[]>;
}

/** Starts `tcpdump -i usbmon<bus>`; resolves once it listens. Records are those of `deviceNumber`. */
export function startUsbmon(busNumber: number, deviceNumber: number, file: string): Promise<UsbmonCapture> {
  return new Promise((resolve, reject) => {
    const child = spawn('tcpdump', ['-i', `usbmon${busNumber}`, '-s', '0', '-U', '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on')) {
        resolve({
          stop: () =>
            new Promise((done, fail) => {
              child.once('exit', () => {
                readFile(file)
                  .then((bytes) => parseUsbmonPcap(new Uint8Array(bytes)).filter((r) => r.device === deviceNumber))
                  .then((records) => rm(file, { force: true }).then(() => done(records)), fail);
              });
              child.kill('SIGINT');
            }),
        });
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${stderr.trim()}`)));
  });
}

