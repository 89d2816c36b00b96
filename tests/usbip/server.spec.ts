import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/ccid';
import { createVirtualEcard, type VirtualReader } from '../../src/sim';
import { readerVector } from '../support/corpus';
import { virtualReader, virtualReaderFrom } from '../support/readers';
import { startUsbipServer, type ExportedReader, type UsbipServer } from './server';
import { importDevice, listDevices, setupPacket, type TestHostConnection } from './test-host';

const ECARD_ATR = '3B F0 13 00 00 81 31 FE 45 E8';
/** PC_to_RDR_IccPowerOn, slot 0, bSeq 0, 5 V (CCID 1.1 §6.1.1; the GemPC Pinpad has no automatic voltage). */
const POWER_ON = fromHex('62 00000000 00 00 01 0000');
/** PC_to_RDR_GetSlotStatus, slot 0, bSeq 1 (§6.1.3). */
const SLOT_STATUS = fromHex('65 00000000 00 01 000000');
const BULK_OUT = 1;
const BULK_IN = 2;
const INTERRUPT_IN = 3;
const GET_DESCRIPTOR = 0x06;

let server: UsbipServer;
let host: TestHostConnection | null = null;

beforeEach(async () => {
  server = await startUsbipServer({ port: 0 });
});

afterEach(async () => {
  host?.close();
  host = null;
  await server.close();
});

/** GemPC Pinpad from the corpus (TPDU, T=0/T=1, PIN pad), with a virtual eCard inserted. */
function gemPcPinpad(): VirtualReader {
  const reader = virtualReader('GemPCPinpad.txt', { pinpad: true, manufacturerName: 'Gemplus' });
  reader.insert(createVirtualEcard({ state: 'active' }));
  return reader;
}

async function attach(exported: ExportedReader): Promise<TestHostConnection> {
  const connection = await importDevice(server.port, exported.busid);
  if (!connection) throw new Error('import refused');
  host = connection;
  const configured = await connection.submit({ direction: 'out', endpoint: 0, length: 0, setup: setupPacket(0x00, 0x09, 1, 0, 0) }).done;
  expect(configured.status).toBe(0);
  return connection;
}

describe('USB/IP server: attach phase', () => {
  it('lists exported readers with their USB ids and interface class, and hides one that is attached', async () => {
    const gem = server.export(gemPcPinpad());
    const vendorClass = readerVector('ReinerSCT_cyberJack_go.txt');
    server.export(virtualReaderFrom(vendorClass));
    expect((await listDevices(server.port)).map((d) => [d.busid, d.idVendor, d.idProduct, d.interfaces[0]?.bInterfaceClass, d.speed])).toEqual([
      ['1-1', 0x08e6, 0x3478, 0x0b, 2],
      ['1-2', vendorClass.idVendor, vendorClass.idProduct, vendorClass.interface.bInterfaceClass, 2],
    ]);
    await attach(gem);
    expect((await listDevices(server.port)).map((d) => d.busid)).toEqual(['1-2']);
  });

  it('refuses to import an unknown busid, one already attached, and one unplugged', async () => {
    const gem = server.export(gemPcPinpad());
    expect(await importDevice(server.port, '9-9')).toBeNull();
    await attach(gem);
    expect(await importDevice(server.port, gem.busid)).toBeNull();
    gem.unplug();
    await host?.closed;
    expect(await importDevice(server.port, gem.busid)).toBeNull();
    gem.replug();
    expect(await importDevice(server.port, gem.busid)).not.toBeNull();
  });
});

describe('USB/IP server: the reader on the bus', () => {
  it('answers enumeration from the corpus descriptor: device, configuration with the CCID descriptor, strings', async () => {
    const gem = server.export(gemPcPinpad());
    const connection = await attach(gem);
    const device = await connection.submit({ direction: 'in', endpoint: 0, length: 64, setup: setupPacket(0x80, GET_DESCRIPTOR, 0x0100, 0, 64) }).done;
    expect(toHex(device.data.subarray(0, 18))).toBe('12 01 00 02 00 00 00 40 E6 08 78 34 00 01 01 02 03 01');
    const config = await connection.submit({ direction: 'in', endpoint: 0, length: 255, setup: setupPacket(0x80, GET_DESCRIPTOR, 0x0200, 0, 255) }).done;
    const ccid = readerVector('GemPCPinpad.txt').ccid_class_descriptor_hex.toUpperCase();
    expect(toHex(config.data, '')).toContain(ccid);
    expect(config.actualLength).toBe(9 + 9 + 54 + 3 * 7);
    const product = await connection.submit({ direction: 'in', endpoint: 0, length: 255, setup: setupPacket(0x80, GET_DESCRIPTOR, 0x0302, 0x0409, 255) }).done;
    expect(new TextDecoder('utf-16le').decode(product.data.subarray(2))).toBe('USB GemPCPinpad SmartCard Reader');
    const qualifier = await connection.submit({ direction: 'in', endpoint: 0, length: 10, setup: setupPacket(0x80, GET_DESCRIPTOR, 0x0600, 0, 10) }).done;
    expect(qualifier.status).toBe(-32);
  });

  it('carries CCID over the bulk pipes: IccPowerOn answered with the eCard ATR', async () => {
    const connection = await attach(server.export(gemPcPinpad()));
    const out = await connection.submit({ direction: 'out', endpoint: BULK_OUT, length: POWER_ON.length, data: POWER_ON }).done;
    expect(out).toMatchObject({ status: 0, actualLength: 10 });
    const answer = await connection.submit({ direction: 'in', endpoint: BULK_IN, length: 320 }).done;
    expect(toHex(answer.data)).toBe(`80 0A 00 00 00 00 00 00 00 00 ${ECARD_ATR}`);
  });

  it('keeps an IN transfer pending until the firmware answers, and reports slot changes on the interrupt pipe', async () => {
    const reader = gemPcPinpad();
    const connection = await attach(server.export(reader));
    // The firmware boots with the card in: its first notification says "present, changed".
    expect(toHex((await connection.submit({ direction: 'in', endpoint: INTERRUPT_IN, length: 8 }).done).data)).toBe('50 03');
    const notification = connection.submit({ direction: 'in', endpoint: INTERRUPT_IN, length: 8 }).done;
    reader.remove();
    expect(toHex((await notification).data)).toBe('50 02'); // slot 0 changed, now empty (CCID 1.1 §6.3.1)
  });

  it('honours CMD_UNLINK of a pending IN: RET_UNLINK -ECONNRESET, no RET_SUBMIT, the answer goes to the next IN', async () => {
    const gem = server.export(gemPcPinpad());
    const connection = await attach(gem);
    const early = connection.submit({ direction: 'in', endpoint: BULK_IN, length: 320 });
    expect(await connection.unlink(early.seqnum)).toBe(-104);
    await connection.submit({ direction: 'out', endpoint: BULK_OUT, length: 10, data: SLOT_STATUS }).done;
    const answer = await connection.submit({ direction: 'in', endpoint: BULK_IN, length: 320 }).done;
    expect(toHex(answer.data.subarray(0, 7))).toBe('81 00 00 00 00 00 01');
    expect(connection.replies.some((r) => r.kind === 'ret-submit' && r.seqnum === early.seqnum)).toBe(false);
    expect(await connection.unlink(answer.seqnum)).toBe(0); // it had completed: status 0
    expect(gem.unlinks).toEqual({ pending: 1, completed: 1 });
  });

  it('stalls a halted bulk endpoint (-EPIPE) until CLEAR_FEATURE(ENDPOINT_HALT), without passing the data on', async () => {
    const gem = server.export(gemPcPinpad());
    const connection = await attach(gem);
    gem.stallNext('out');
    expect((await connection.submit({ direction: 'out', endpoint: BULK_OUT, length: 10, data: POWER_ON }).done).status).toBe(-32);
    const clear = await connection.submit({ direction: 'out', endpoint: 0, length: 0, setup: setupPacket(0x02, 0x01, 0, BULK_OUT, 0) }).done;
    expect(clear.status).toBe(0);
    await connection.submit({ direction: 'out', endpoint: BULK_OUT, length: 10, data: POWER_ON }).done;
    const answer = await connection.submit({ direction: 'in', endpoint: BULK_IN, length: 320 }).done;
    expect(answer.data[0]).toBe(0x80);
    expect(gem.bus?.firmware.commands).toEqual({ IccPowerOn: 1 });
  });

  it('an IN buffer shorter than the message and not whole packets is babble (-EOVERFLOW), and a violation', async () => {
    const gem = server.export(gemPcPinpad());
    const connection = await attach(gem);
    await connection.submit({ direction: 'out', endpoint: BULK_OUT, length: 10, data: POWER_ON }).done;
    const answer = await connection.submit({ direction: 'in', endpoint: BULK_IN, length: 12 }).done;
    expect(answer).toMatchObject({ status: -75, actualLength: 12 });
    expect(gem.violations()).toEqual([expect.stringContaining('babble')]);
  });

  it('vanishes while a chosen URB is in flight: the connection drops, the firmware ledger keeps what it saw', async () => {
    const gem = server.export(gemPcPinpad());
    const connection = await attach(gem);
    gem.vanishWhen((urb) => urb.direction === 'in' && urb.endpoint === BULK_IN);
    await connection.submit({ direction: 'out', endpoint: BULK_OUT, length: 10, data: POWER_ON }).done;
    connection.submit({ direction: 'in', endpoint: BULK_IN, length: 320 });
    await connection.closed;
    expect(gem.attached).toBe(false);
    expect(await importDevice(server.port, gem.busid)).toBeNull();
    gem.replug();
    const again = await importDevice(server.port, gem.busid);
    expect(again?.device.idProduct).toBe(0x3478);
    again?.close();
  });

  it('counts every URB with its bytes, as the peer table needs', async () => {
    const gem = server.export(gemPcPinpad());
    const connection = await attach(gem);
    await connection.submit({ direction: 'out', endpoint: BULK_OUT, length: 10, data: POWER_ON }).done;
    await connection.submit({ direction: 'in', endpoint: BULK_IN, length: 320 }).done;
    const bulk = gem.records().filter((r) => r.kind === 'bulk');
    expect(bulk.map((r) => [r.direction, r.bytes, r.status])).toEqual([
      ['out', 10, 0],
      ['in', 20, 0],
    ]);
    expect(gem.bus?.bulkOut.map((m) => toHex(m, ''))).toEqual([toHex(POWER_ON, '')]);
  });
});
