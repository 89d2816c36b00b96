/**
 * Inside the QEMU guest: attach and detach exported readers with Debian's `usbip` tool (it sends
 * OP_REQ_IMPORT, then hands the connected socket to vhci-hcd through sysfs), and find them on the
 * guest's USB bus.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { USBIP_PORT } from './protocol';

const run = promisify(execFile);
const USB_DEVICES = '/sys/bus/usb/devices';

/** A device attached through vhci-hcd: its vhci port, and its name on the guest's bus once enumerated. */
export interface GuestAttachment {
  readonly busid: string;
  readonly vhciPort: number;
  /** sysfs name, e.g. "3-1", and bus/device numbers for /dev/bus/usb/BBB/DDD. */
  readonly sysfsName: string;
  readonly busNumber: number;
  readonly deviceNumber: number;
}

/** `usbip attach -r 127.0.0.1 -b <busid>`, then waits until the kernel has enumerated the device. */
export async function attachReader(busid: string, vendorId: number, productId: number, tcpPort = USBIP_PORT, timeoutMs = 60_000): Promise<GuestAttachment> {
  const before = new Set(await usbDeviceNames());
  await run('usbip', ['--tcp-port', String(tcpPort), 'attach', '-r', '127.0.0.1', '-b', busid], { timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  const vhciPort = await vhciPortOf(busid, tcpPort, deadline);
  for (;;) {
    for (const name of await usbDeviceNames()) {
      if (before.has(name)) continue;
      const ids = await readIds(name);
      if (ids?.vendorId === vendorId && ids.productId === productId && ids.configured) {
        return { busid, vhciPort, sysfsName: name, busNumber: ids.busNumber, deviceNumber: ids.deviceNumber };
      }
    }
    if (Date.now() > deadline) throw new Error(`usbip: ${busid} attached on vhci port ${vhciPort} but never enumerated`);
    await sleep(100);
  }
}

/** `usbip detach -p <port>`: the host side lets go (the server sees its connection close). */
export async function detachReader(attachment: GuestAttachment): Promise<void> {
  await run('usbip', ['detach', '-p', String(attachment.vhciPort)], { timeout: 30_000 });
}

/** Resolves once the device is gone from the guest's bus (after an unplug or a detach). */
export async function waitUntilGone(attachment: GuestAttachment, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await usbDeviceNames()).includes(attachment.sysfsName)) {
    if (Date.now() > deadline) throw new Error(`${attachment.sysfsName} still on the bus after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** The vhci port `usbip port` reports for usbip://127.0.0.1:<tcpPort>/<busid> (listed once the kernel took the socket). */
async function vhciPortOf(busid: string, tcpPort: number, deadline: number): Promise<number> {
  for (;;) {
    // `usbip port` fails now and then while another port changes state ("open vhci_driver"): retry.
    const stdout = await run('usbip', ['port']).then((r) => r.stdout, () => '');
    let port: number | null = null;
    for (const line of stdout.split('\n')) {
      const header = /^Port (\d+):/.exec(line);
      if (header) port = Number(header[1]);
      if (port !== null && line.includes(`usbip://127.0.0.1:${tcpPort}/${busid}`)) return port;
    }
    if (Date.now() > deadline) throw new Error(`usbip port does not list ${busid}:\n${stdout}`);
    await sleep(200);
  }
}

async function usbDeviceNames(): Promise<string[]> {
  return (await readdir(USB_DEVICES)).filter((name) => /^\d+-[\d.]+$/.test(name));
}

async function readIds(name: string): Promise<{ vendorId: number; productId: number; busNumber: number; deviceNumber: number; configured: boolean } | null> {
  const read = (attribute: string) => readFile(`${USB_DEVICES}/${name}/${attribute}`, 'utf8').then((t) => t.trim());
  try {
    const [vendor, product, bus, device, configuration] = await Promise.all([
      read('idVendor'),
      read('idProduct'),
      read('busnum'),
      read('devnum'),
      read('bConfigurationValue'),
    ]);
    return {
      vendorId: parseInt(vendor, 16),
      productId: parseInt(product, 16),
      busNumber: Number(bus),
      deviceNumber: Number(device),
      configured: configuration !== '',
    };
  } catch {
    return null; // still being enumerated
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
