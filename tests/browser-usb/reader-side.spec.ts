/**
 * The reader's side as the browser-usb scenarios drive it, on a virtual PIN-pad reader run by the
 * project's driver and flows (in the guest the same reader sits behind a USB/IP export).
 */
import { describe, expect, it } from 'vitest';
import { CcidReader } from '../../src/ccid';
import { changePin, pinpadSource, resetPin, screenSource, verifyPin, type FlowContext } from '../../src/flows';
import type { VirtualEcardOptions } from '../../src/sim';
import { virtualReader } from '../support/readers';
import { cancelAtNextPrompt, typeAtNextPrompt, type ReaderInfo } from './device-side';
import { readerSide } from './reader-side';

const INFO: ReaderInfo = { id: 'cardman', name: 'OMNIKEY CardMan 3821', vendorId: 0x076b, productId: 0x3821, interfaceClass: 0x0b, pinpad: true };

async function setUp(card?: VirtualEcardOptions) {
  const virtual = virtualReader('CardMan3821.txt', { pinpad: true });
  const calls: string[] = [];
  const device = readerSide(INFO, virtual, { unplug: async () => void calls.push('unplug'), replug: async () => void calls.push('replug') });
  if (card) await device.insertEcard(card);
  const reader = await CcidReader.open(virtual.device);
  const context: FlowContext = { slot: reader.slots[0]!, pins: pinpadSource(screenSource(async () => null)), confirmLastTry: async () => true };
  return { device, context, calls };
}

describe('the reader side of a virtual reader', () => {
  it('steps 2–3 of the notice from outside: the CAS unblocks, 0000 is typed on the PIN pad, the card ledger shows the reset', async () => {
    const { device, context } = await setUp({ state: 'blocked' });
    expect(await device.casUnblock()).toBe('unblocked');
    const [outcome, prompt] = await Promise.all([resetPin(context), typeAtNextPrompt(device, '0000')]);
    expect(prompt).toBe('pin');
    expect(outcome.kind).toBe('ok');
    expect(await device.hasPin('0000')).toBe(true);
    expect(await device.hasPin('1234')).toBe(false);
    expect((await device.ledger()).map((t) => t.ok)).toEqual([true]);
    expect(await device.pinpadPrompt()).toBeNull();
  });

  it('Cancel on the PIN pad reaches the card as nothing: the ledger stays empty', async () => {
    const { device, context } = await setUp({ state: 'active', pin: '2468' });
    const [outcome] = await Promise.all([verifyPin(context), cancelAtNextPrompt(device)]);
    expect(outcome.kind).not.toBe('ok');
    expect(await device.ledger()).toEqual([]);
  });

  it('a new card, taken out; the cable handed to whatever exports the reader', async () => {
    const { device, calls } = await setUp();
    await expect(device.ledger()).rejects.toThrow('has no card');
    await device.insertEcard({ state: 'active', pin: '1111', triesLeft: 2 });
    expect(await device.hasPin('1111')).toBe(true);
    expect(device.card?.triesLeft()).toBe(2);
    await device.removeCard();
    expect(device.card).toBeNull();
    await expect(device.casUnblock()).rejects.toThrow('has no card');
    await device.unplug();
    await device.replug();
    expect(calls).toEqual(['unplug', 'replug']);
  });

  it('pulls the cable right after the card answered the PIN command it was armed for, not before', async () => {
    const { device, context, calls } = await setUp({ state: 'active', pin: '2468' });
    device.unplugAfterNextPinCommand();
    const [outcome] = await Promise.all([
      changePin(context),
      (async () => {
        expect(await typeAtNextPrompt(device, '2468')).toBe('current');
        expect(calls).toEqual([]);
        await typeAtNextPrompt(device, '1357');
        await typeAtNextPrompt(device, '1357');
      })(),
    ]);
    expect(outcome.kind).toBe('ok'); // the cable here is a recorder: the answer still arrives
    expect(calls).toEqual(['unplug']);
    expect(await device.hasPin('1357')).toBe(true);
    expect((await device.ledger()).map((t) => t.ins)).toEqual([0x24]);
  });

  it('a reader without a PIN pad has no keys to press', async () => {
    const device = readerSide(INFO, virtualReader('CardMan3821.txt'), { unplug: async () => undefined, replug: async () => undefined });
    await expect(device.press(['5'])).rejects.toThrow('has no PIN pad');
  });
});
