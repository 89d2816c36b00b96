import { describe, it, expect } from 'vitest';
import { CardNotSupportedError, DeviceBusyError, AccessDeniedError, fromHex, toHex } from '../src/ccid';
import { createVirtualReader } from '../src/sim';
import { createApduCard } from '../src/sim/virtual-card';
import { ECARD_ATR } from './ecard-apdus';
import { describeError, formatReader, probeReader } from './probe';

/** QEMU usb-ccid's class descriptor: T=0 only, TPDU, dwFeatures 0x000104FE, bPINSupport 1. */
const QEMU_DESCRIPTOR = '36211001000701000000a00f000000000100008025000000c2010000fe0000000000000000000000fe04010012000100ffff00000101';
/** The same reader made short-APDU level with T=0 and T=1 (dwProtocols 3, dwFeatures 0x000204FE). */
const APDU_DESCRIPTOR = QEMU_DESCRIPTOR.replace('01000000a00f', '03000000a00f').replace('fe040100', 'fe040200');

/** An eCard application that answers SELECT and VERIFY-without-data with `verifySw`. */
function ecardApplication(atr: Uint8Array, verifySw: string) {
  return createApduCard({
    atr,
    apdu: (command) => {
      if (toHex(command) === '00 A4 04 0C 0B E8 28 BD 08 0F D6 42 00 00 01 01') return fromHex('90 00');
      if (toHex(command) === '00 20 00 01') return fromHex(verifySw);
      return fromHex('6D 00');
    },
  });
}

describe('probeReader', () => {
  it('reports a T=0 card with the eCard application and its tries left, spending none', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR });
    const commands: string[] = [];
    const card = ecardApplication(fromHex('3B 02 14 50'), '63 C3');
    reader.insert({ ...card, transmitApdu: (apdu) => (commands.push(toHex(apdu)), card.transmitApdu(apdu)) });
    const probe = await probeReader(reader.device);
    expect(formatReader(probe)).toEqual([
      '  exchange level: TPDU; protocols T=0',
      '  PIN pad: announced (verify yes, modify no)',
      '  slot 0: card ATR 3B 02 14 50, T=0',
      "    eCard recognised: no (the eCard's ATR is 3B F0 13 00 00 81 31 FE 45 E8)",
      '    eCard application: selected (9000)',
      '    PIN: 3 tries left (VERIFY without PIN answered 63C3; no try spent)',
    ]);
    expect(commands).toEqual(['00 A4 04 0C 0B E8 28 BD 08 0F D6 42 00 00 01 01', '00 20 00 01']);
  });

  it('recognises the eCard by its ATR on a reader that speaks T=1, and reads a blocked PIN', async () => {
    const reader = createVirtualReader({ descriptor: APDU_DESCRIPTOR });
    reader.insert(ecardApplication(ECARD_ATR, '69 83'));
    const lines = formatReader(await probeReader(reader.device));
    expect(lines.slice(2)).toEqual([
      '  slot 0: card ATR 3B F0 13 00 00 81 31 FE 45 E8, T=1',
      '    eCard recognised: yes (ATR of the Romanian health card)',
      '    eCard application: selected (9000)',
      '    PIN: blocked (6983): the CAS must unblock the card',
    ]);
  });

  it('says the reader cannot talk to the eCard when the reader is T=0 only, and keeps its ATR', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR });
    reader.insert(ecardApplication(ECARD_ATR, '63 C5'));
    const probe = await probeReader(reader.device);
    const slot = probe.slots[0];
    expect(slot?.state === 'unusable' && slot.error).toBeInstanceOf(CardNotSupportedError);
    expect(formatReader(probe).slice(2, 4)).toEqual([
      '  slot 0: card ATR 3B F0 13 00 00 81 31 FE 45 E8',
      '    card: this reader cannot talk to this card: The card offers T=1; the reader supports T=0.',
    ]);
  });

  it('does not select anything on a card without the eCard application', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR });
    reader.insert(createApduCard({ atr: fromHex('3B 02 14 50'), apdu: () => fromHex('6A 82') }));
    expect(formatReader(await probeReader(reader.device)).slice(3)).toEqual([
      "    eCard recognised: no (the eCard's ATR is 3B F0 13 00 00 81 31 FE 45 E8)",
      '    eCard application: not found (SELECT answered 6A82)',
    ]);
  });

  it('reports an empty slot without powering it', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR });
    expect(formatReader(await probeReader(reader.device))[2]).toBe('  slot 0: no card');
  });

  it('rejects with DeviceBusyError when pcscd holds the reader, and says so', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR, policy: { busy: true } });
    const error: unknown = await probeReader(reader.device).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceBusyError);
    expect(describeError(error)).toContain('usually pcscd');
  });

  it('rejects with AccessDeniedError when the OS refuses the device, and points at the udev rule', async () => {
    const reader = createVirtualReader({ descriptor: QEMU_DESCRIPTOR, policy: { accessDenied: true } });
    const error: unknown = await probeReader(reader.device).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(describeError(error)).toContain('udev rule');
  });
});
