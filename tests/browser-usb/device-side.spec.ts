/**
 * The control API between the suite (in the guest) and the virtual readers (on the host), over
 * HTTP on 127.0.0.1, with a real virtual PIN-pad reader driven by the project's driver and flows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CcidReader } from '../../src/ccid';
import { pinpadSource, resetPin, screenSource, verifyPin, type FlowContext } from '../../src/flows';
import { virtualReader } from '../support/readers';
import {
  cancelAtNextPrompt,
  httpDeviceSide,
  listReaders,
  startDeviceControl,
  typeAtNextPrompt,
  type DeviceControl,
  type ReaderInfo,
} from './device-side';

const INFO: ReaderInfo = { id: 'cardman', name: 'OMNIKEY CardMan 3821', vendorId: 0x076b, productId: 0x3821, interfaceClass: 0x0b, pinpad: true };

let control: DeviceControl | null = null;
afterEach(async () => {
  await control?.close();
  control = null;
});

async function setUp(card: Parameters<typeof startDeviceControl>[0][number]['card']) {
  const virtual = virtualReader('CardMan3821.txt', { pinpad: true });
  const calls: string[] = [];
  control = await startDeviceControl([
    { info: INFO, reader: virtual, ...(card ? { card } : {}), unplug: async () => void calls.push('unplug'), replug: async () => void calls.push('replug') },
  ]);
  const reader = await CcidReader.open(virtual.device);
  const slot = reader.slots[0]!;
  const context: FlowContext = {
    slot,
    pins: pinpadSource(screenSource(async () => null)),
    confirmLastTry: async () => true,
  };
  return { device: httpDeviceSide(control.url, INFO), context, calls };
}

describe('the device control API', () => {
  it('lists its readers', async () => {
    await setUp(undefined);
    expect(await listReaders(control!.url)).toEqual([INFO]);
  });

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

  it('a new card, taken out, and unplug / replug handed to the USB/IP side', async () => {
    const { device, calls } = await setUp(undefined);
    await device.insertEcard({ state: 'active', pin: '1111', triesLeft: 2 });
    expect(await device.hasPin('1111')).toBe(true);
    await device.removeCard();
    await expect(device.ledger()).rejects.toThrow('has no card');
    await device.unplug();
    await device.replug();
    expect(calls).toEqual(['unplug', 'replug']);
  });

  it('refuses what a PIN pad has no key for, and readers it does not know', async () => {
    const { device } = await setUp({ state: 'active' });
    await expect(device.press(['5', 'enter' as never])).rejects.toThrow('400');
    await expect(httpDeviceSide(control!.url, { ...INFO, id: 'nope' }).casUnblock()).rejects.toThrow('no reader nope');
  });
});
