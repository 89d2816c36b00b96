import { describe, it, expect } from 'vitest';
import {
  AccessDeniedError,
  CcidReader,
  CcidTimeoutError,
  DeviceBusyError,
  DeviceDisconnectedError,
  MalformedDataError,
  ProtectedClassError,
  UsbTransferError,
  fromHex,
  toHex,
} from '../../src/ccid';
import { scriptedCard, virtualReader } from '../support/readers';

const SELECT = '00 A4 04 00 02 3F 00';

async function poweredReader(file = 'ACR122U_PICC.txt', options: Parameters<typeof CcidReader.open>[1] = {}) {
  const virtual = virtualReader(file);
  virtual.insert(scriptedCard({ [SELECT]: '90 00', '00 B0 00 00 00': '01 02 03 90 00' }));
  const reader = await CcidReader.open(virtual.device, options);
  const slot = reader.slots[0];
  if (!slot) throw new Error('no slot');
  await slot.powerOn();
  return { virtual, reader, slot };
}

describe('CcidTransport over a virtual reader', () => {
  it('spends exactly one bulk OUT and one bulk IN on a short APDU', async () => {
    const { virtual, slot } = await poweredReader();
    const before = { ...virtual.device.transfers };
    expect(toHex(await slot.transmit(fromHex(SELECT)))).toBe('90 00');
    expect(virtual.device.transfers.bulkOut - before.bulkOut).toBe(1);
    expect(virtual.device.transfers.bulkIn - before.bulkIn).toBe(1);
    expect(virtual.violations()).toEqual([]);
  });

  it('reads bulk-IN in whole packets large enough for the longest message', async () => {
    const { virtual, slot } = await poweredReader('CardMan3821.txt');
    await slot.transmit(fromHex(SELECT));
    // The virtual device answers 'babble' (and records it) for a short or odd-sized read.
    expect(virtual.violations()).toEqual([]);
  });

  it('drops a frame with a stale bSeq and takes the right one', async () => {
    const { virtual, reader, slot } = await poweredReader();
    virtual.planNextAnswer({ staleFrameFirst: true });
    expect(toHex(await slot.transmit(fromHex(SELECT)))).toBe('90 00');
    expect(reader.transport.stats.staleFrames).toBe(1);
  });

  it('waits longer on a time extension, scaled by bError', async () => {
    // The answer comes after 4 base timeouts; time extensions every 40 ms keep the command alive.
    const { virtual, reader, slot } = await poweredReader('ACR122U_PICC.txt', { commandTimeoutMs: 150 });
    virtual.planNextAnswer({ delayMs: 600, timeExtensionEveryMs: 40, multiplier: 2 });
    expect(toHex(await slot.transmit(fromHex(SELECT)))).toBe('90 00');
    expect(reader.transport.stats.timeExtensions).toBeGreaterThanOrEqual(3);
    expect(reader.transport.stats.aborts).toBe(0);
  });

  it('stops an endless stream of time extensions at the overall cap, with an abort', async () => {
    const { virtual, reader, slot } = await poweredReader('ACR122U_PICC.txt', { commandTimeoutMs: 50, maxCommandMs: 250 });
    virtual.planNextAnswer({ delayMs: 60_000, timeExtensionEveryMs: 10, multiplier: 10 });
    const started = Date.now();
    await expect(slot.transmit(fromHex(SELECT))).rejects.toBeInstanceOf(CcidTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(reader.transport.stats.aborts).toBe(1);
  });

  it('times out a silent reader with the ABORT request + PC_to_RDR_Abort, then works again', async () => {
    const { virtual, reader, slot } = await poweredReader('ACR122U_PICC.txt', { commandTimeoutMs: 50 });
    virtual.planNextAnswer({ hang: true });
    await expect(slot.transmit(fromHex(SELECT))).rejects.toBeInstanceOf(CcidTimeoutError);
    expect(virtual.firmware.commands['Abort']).toBe(1);
    expect(virtual.violations()).toEqual([]);
    expect(toHex(await slot.transmit(fromHex(SELECT)))).toBe('90 00');
    expect(reader.transport.stats.aborts).toBe(1);
  });

  it('ends an aborted GetSlotStatus on the Abort\'s SlotStatus, not on its own CMD_ABORTED SlotStatus', async () => {
    const { virtual, reader, slot } = await poweredReader('ACR122U_PICC.txt', { commandTimeoutMs: 50 });
    virtual.planNextAnswer({ hang: true });
    await expect(slot.status()).rejects.toBeInstanceOf(CcidTimeoutError);
    expect(await slot.status()).toMatchObject({ card: 'active' });
    expect(reader.transport.stats.staleFrames).toBe(0);
    expect(virtual.violations()).toEqual([]);
  });

  it('closes the device when a locked-up reader does not confirm the abort either', async () => {
    const { virtual, slot } = await poweredReader('ACR122U_PICC.txt', { commandTimeoutMs: 50, abortTimeoutMs: 100 });
    virtual.planNextAnswer({ deaf: true });
    const started = Date.now();
    await expect(slot.transmit(fromHex(SELECT))).rejects.toBeInstanceOf(CcidTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(virtual.device.opened).toBe(false);
    await expect(slot.transmit(fromHex(SELECT))).rejects.toBeInstanceOf(DeviceDisconnectedError);
  });

  it('clears a stalled bulk-IN once and reads the answer', async () => {
    const { virtual, reader, slot } = await poweredReader();
    virtual.stallNext('in');
    expect(toHex(await slot.transmit(fromHex(SELECT)))).toBe('90 00');
    expect(reader.transport.stats.stallsCleared).toBe(1);
  });

  it('clears a stalled bulk-OUT and fails that command without sending it again', async () => {
    const { virtual, slot } = await poweredReader();
    const card = virtual.firmware.cardIn(0) as ReturnType<typeof scriptedCard>;
    virtual.stallNext('out');
    await expect(slot.transmit(fromHex(SELECT))).rejects.toBeInstanceOf(UsbTransferError);
    expect(card.received).toEqual([]);
    expect(toHex(await slot.transmit(fromHex(SELECT)))).toBe('90 00');
    expect(card.received).toHaveLength(1);
  });

  it('tolerates zero-length reads', async () => {
    const { virtual, reader, slot } = await poweredReader();
    virtual.planNextAnswer({ zeroLengthFirst: 3 });
    expect(toHex(await slot.transmit(fromHex('00 B0 00 00 00')))).toBe('01 02 03 90 00');
    expect(reader.transport.stats.zeroLengthReads).toBe(3);
  });

  it('refuses a frame with bytes glued after it (its dwLength cannot be trusted), aborts, then works again', async () => {
    const { virtual, reader, slot } = await poweredReader();
    virtual.planNextAnswer({ garbageAfter: fromHex('DE AD BE EF') });
    const error = await slot.transmit(fromHex('00 B0 00 00 00')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedDataError);
    expect((error as MalformedDataError).offset).toBe(15);
    expect((error as MalformedDataError).got).toBe('4 more bytes');
    expect(reader.transport.stats.discardedBytes).toBe(4);
    expect(reader.transport.stats.aborts).toBe(1);
    expect(toHex(await slot.transmit(fromHex('00 B0 00 00 00')))).toBe('01 02 03 90 00');
    expect(virtual.violations()).toEqual([]);
  });

  it('reports an unplug during a transfer once, and every later call fails the same way', async () => {
    const { virtual, reader, slot } = await poweredReader();
    const reports: unknown[] = [];
    reader.on('disconnect', (e) => reports.push(e));
    virtual.planNextAnswer({ hang: true });
    const pending = slot.transmit(fromHex(SELECT));
    await new Promise((r) => setTimeout(r, 10));
    virtual.unplug();
    await expect(pending).rejects.toBeInstanceOf(DeviceDisconnectedError);
    await expect(slot.transmit(fromHex(SELECT))).rejects.toBeInstanceOf(DeviceDisconnectedError);
    await expect(slot.status()).rejects.toBeInstanceOf(DeviceDisconnectedError);
    expect(reports).toHaveLength(1);
  });

  it('takes a transfer error as the unplug when the platform closes the device soon after (Chromium on Linux), else as a transfer error', async () => {
    // Chromium ends the bulk-IN an unplug cut with NetworkError and closes the device 0.2–0.4 s later
    // (tests/browser-usb, under TCG): `opened` is what the driver can see of that.
    const cutWhile = async (closesAfterMs: number | null) => {
      const virtual = virtualReader('ACR122U_PICC.txt');
      virtual.insert(scriptedCard({ [SELECT]: '90 00' }));
      /** After the cut: whether the platform still shows the device open (null: before the cut, as it is). */
      let stillOpen: boolean | null = null;
      const device = new Proxy(virtual.device, {
        get: (target, key) => {
          if (key === 'opened') return stillOpen ?? target.opened;
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const reader = await CcidReader.open(device);
      await reader.slots[0]!.powerOn();
      virtual.planNextAnswer({ hang: true });
      const pending = reader.slots[0]!.transmit(fromHex(SELECT)).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 10));
      const cut = performance.now();
      stillOpen = true;
      virtual.unplug();
      if (closesAfterMs !== null) setTimeout(() => (stillOpen = false), closesAfterMs);
      return { error: await pending, ms: performance.now() - cut };
    };
    const closed = await cutWhile(300);
    expect(closed.error).toBeInstanceOf(DeviceDisconnectedError);
    expect((closed.error as DeviceDisconnectedError).cause).toMatchObject({ name: 'NetworkError' });
    expect(closed.ms).toBeGreaterThanOrEqual(290);
    expect(closed.ms).toBeLessThan(1_500);
    const stays = await cutWhile(null);
    expect(stays.error).toBeInstanceOf(UsbTransferError);
    expect(stays.ms).toBeGreaterThanOrEqual(1_990);
  });

  it('works with a re-plugged reader after an unplug', async () => {
    const { virtual } = await poweredReader();
    virtual.unplug();
    const device = virtual.plug();
    const reader = await CcidReader.open(device);
    await reader.slots[0]?.powerOn();
    expect(toHex(await reader.slots[0]!.transmit(fromHex(SELECT)))).toBe('90 00');
  });

  it('keeps one command in flight per bMaxCCIDBusySlots on a multi-slot reader', async () => {
    const virtual = virtualReader('ACS_ACR1281U.txt');
    expect(virtual.descriptor.bMaxSlotIndex).toBe(2);
    virtual.insert(scriptedCard({ [SELECT]: '90 00' }), 0);
    virtual.insert(scriptedCard({ [SELECT]: '90 01' }), 1);
    const reader = await CcidReader.open(virtual.device);
    await Promise.all(reader.slots.slice(0, 2).map((s) => s.powerOn()));
    virtual.planNextAnswer({ delayMs: 20 });
    const answers = await Promise.all([0, 1, 0, 1].map((i) => reader.slots[i]!.transmit(fromHex(SELECT))));
    expect(answers.map((a) => toHex(a))).toEqual(['90 00', '90 01', '90 00', '90 01']);
    expect(virtual.violations()).toEqual([]);
  });

  it('runs commands to different slots side by side when the reader allows several', async () => {
    const virtual = virtualReader('SpringCard_E518_6112.txt');
    expect(virtual.descriptor.bMaxCCIDBusySlots).toBe(5);
    virtual.insert(scriptedCard({ [SELECT]: '90 00' }), 0);
    virtual.insert(scriptedCard({ [SELECT]: '90 01' }), 1);
    const reader = await CcidReader.open(virtual.device);
    await Promise.all(reader.slots.map((s) => s.powerOn()));
    virtual.planNextAnswer({ delayMs: 80 });
    virtual.planNextAnswer({ delayMs: 5 });
    const order: number[] = [];
    await Promise.all([0, 1].map((i) => reader.slots[i]!.transmit(fromHex(SELECT)).then(() => order.push(i))));
    expect(order).toEqual([1, 0]);
    expect(virtual.violations()).toEqual([]);
  });
});

describe('opening a reader the platform refuses', () => {
  it.each([
    ['the smart card class is protected (Chrome outside an IWA)', { protectedClass: true }, ProtectedClassError],
    ['the OS denies access (no WinUSB / no udev rule)', { accessDenied: true }, AccessDeniedError],
    ['another program holds the reader (pcscd)', { busy: true }, DeviceBusyError],
  ] as const)('explains when %s', async (_, policy, type) => {
    const virtual = virtualReader('ACR122U_PICC.txt', { policy });
    await expect(CcidReader.open(virtual.device)).rejects.toBeInstanceOf(type);
  });

  it('lets a vendor-class (0xFF) reader through where class 0x0B is protected', async () => {
    const virtual = virtualReader('Gem_e-SealPro.txt', { policy: { protectedClass: true } });
    const reader = await CcidReader.open(virtual.device);
    expect(reader.ccid.interfaceClass).toBe(0xff);
  });

  it('says the reader is gone when it was unplugged before open', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    virtual.unplug();
    await expect(CcidReader.open(virtual.device)).rejects.toBeInstanceOf(DeviceDisconnectedError);
  });
});
