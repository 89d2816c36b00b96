import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../ccid';
import { coalesceNotifications } from './ccid-firmware';
import { createApduCard, createVirtualReader } from '.';

/** A TPDU reader with automatic activation on insertion (dwFeatures 0x04) but no automatic voltage, 3 V only (AK910). */
const AUTO_ACTIVATION_3V = '36211001000203000000a00f0000a00f000000002a000090d0030000f70000000000000000000000b60001000f010000ffff00000001';
const CARD = createApduCard({ atr: fromHex('3B 80 80 01 01'), apdu: () => Uint8Array.of(0x90, 0x00) });

async function opened(descriptor: string, vendorId = 0x1209) {
  const reader = createVirtualReader({ descriptor, vendorId });
  const { device } = reader;
  await device.open();
  await device.selectConfiguration(1);
  await device.claimInterface(0);
  return { reader, device };
}

describe('CCID firmware: what the real stack showed', () => {
  it('merges slot changes the host has not read into one NotifySlotChange (CCID 1.1 §6.3.1)', async () => {
    const { reader, device } = await opened(AUTO_ACTIVATION_3V);
    reader.insert(CARD);
    reader.remove();
    reader.insert(CARD);
    const first = await device.transferIn(3, 8);
    expect(toHex(new Uint8Array(first.data?.buffer ?? new ArrayBuffer(0)))).toBe('50 03');
    let settled = false;
    const pending = device.transferIn(3, 8).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(settled).toBe(false); // nothing else was waiting: the three changes came as one message
    reader.remove();
    expect(toHex(new Uint8Array((await pending).data?.buffer ?? new ArrayBuffer(0)))).toBe('50 02');
  });

  it('keeps a waiting HardwareError apart from a newer NotifySlotChange', () => {
    expect(coalesceNotifications(fromHex('51 00 00 FB'), fromHex('50 03'))).toBeNull();
    expect(toHex(coalesceNotifications(fromHex('50 02'), fromHex('50 01')) ?? new Uint8Array(0))).toBe('50 03');
  });

  it('powers the card with bPowerSelect 00 on a reader that activates cards by itself (dwFeatures 0x04), as libccid asks', async () => {
    const { reader, device } = await opened(AUTO_ACTIVATION_3V);
    reader.insert(CARD);
    await device.transferIn(3, 8);
    await device.transferOut(1, Uint8Array.from(fromHex('62 00000000 00 00 00 0000')));
    const answer = new Uint8Array((await device.transferIn(2, 64)).data?.buffer ?? new ArrayBuffer(0));
    expect([answer[0], answer[7]! >> 6, toHex(answer.subarray(10))]).toEqual([0x80, 0, '3B 80 80 01 01']);
  });

  it('takes bSeq 0 as a host that starts over (a new driver on the same reader), a skip as a fault (CCID 1.1 §6.1)', async () => {
    const { reader, device } = await opened(AUTO_ACTIVATION_3V);
    const getSlotStatus = async (seq: number) => {
      await device.transferOut(1, Uint8Array.from(fromHex(`65 00000000 00 ${seq.toString(16).padStart(2, '0')} 000000`)));
      await device.transferIn(2, 64);
    };
    for (const seq of [0, 1, 2, 0, 1]) await getSlotStatus(seq);
    expect(reader.violations()).toEqual([]);
    await getSlotStatus(5);
    await getSlotStatus(5);
    expect(reader.violations()).toEqual(['bSeq 5 after 1: not incremented', 'bSeq 5 after 5: not incremented']);
  });
});
