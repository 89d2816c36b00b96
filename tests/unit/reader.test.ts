import { describe, it, expect } from 'vitest';
import {
  ApduTooLongError,
  CardAbsentError,
  CardMuteError,
  CardNotPoweredError,
  CcidReader,
  fromHex,
  toHex,
  type CardPower,
  type SlotChange,
} from '../../src/ccid';
import type { VirtualCard } from '../../src/sim';
import { readerVectors } from '../support/corpus';
import { scriptedCard, virtualReader, virtualReaderFrom } from '../support/readers';

const SELECT = '00 A4 04 00 02 3F 00';

/** A card whose READ BINARY returns `size` bytes (i mod 251) + 9000, as one APDU-level answer. */
function bigFileCard(size: number): VirtualCard & { commands: Uint8Array[] } {
  const commands: Uint8Array[] = [];
  return {
    atr: fromHex('3B 80 80 01 01'),
    commands,
    transmitApdu(apdu) {
      commands.push(apdu.slice());
      if (apdu[1] === 0xb0) {
        const out = new Uint8Array(size + 2);
        for (let i = 0; i < size; i++) out[i] = i % 251;
        out.set([0x90, 0x00], size);
        return out;
      }
      return Uint8Array.of(0x90, 0x00);
    },
  };
}

const until = (condition: () => boolean) =>
  new Promise<void>((resolve) => {
    const check = () => (condition() ? resolve() : setTimeout(check, 5));
    check();
  });

describe('CcidReader.open', () => {
  it('opens every slot the descriptor announces and reads announced data rates and clocks', async () => {
    const virtual = virtualReader('CardMan3821.txt');
    const reader = await CcidReader.open(virtual.device);
    expect(reader.slots).toHaveLength(1);
    expect(reader.dataRates.slice(0, 3)).toEqual([10752, 21505, 43010]);
    expect(reader.clockFrequenciesKhz.length).toBeGreaterThan(0);
    expect(reader.descriptor.pinVerify && reader.descriptor.pinModify).toBe(true);
    const multi = await CcidReader.open(virtualReader('SpringCard_M519_6212.txt').device);
    expect(multi.slots).toHaveLength(6);
  });

  it('treats a reader that stalls the data-rate request as having no list', async () => {
    const virtual = virtualReader('CardMan3821.txt', { dataRates: [] });
    expect((await CcidReader.open(virtual.device)).dataRates).toEqual([]);
  });

  it('finds the CCID descriptor placed after the endpoints', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt', { descriptorPlacement: 'afterEndpoints' });
    const reader = await CcidReader.open(virtual.device);
    expect(reader.ccid.descriptorOffset).toBe(9 + 9 + 7 * 3);
  });
});

describe('slot power', () => {
  it('returns the ATR at power-on and forgets it at power-off', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    virtual.insert(scriptedCard({}, '3B F0 13 00 00 81 31 FE 45 E8'));
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    expect(toHex(await slot.powerOn())).toBe('3B F0 13 00 00 81 31 FE 45 E8');
    expect((await slot.status()).card).toBe('active');
    await slot.powerOff();
    expect(slot.atr).toBeNull();
    expect((await slot.status()).card).toBe('inactive');
    await expect(slot.transmit(fromHex(SELECT))).rejects.toBeInstanceOf(CardNotPoweredError);
  });

  it('tries the supported voltages from the lowest class up when the reader does not choose', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    expect(virtual.descriptor.automatic.voltage).toBe(false);
    virtual.insert({ ...scriptedCard({}), voltages: ['5.0V'] });
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await slot.powerOn();
    expect(virtual.firmware.commands['IccPowerOn']).toBe(3);
    expect(virtual.violations()).toEqual([]);
  });

  it('asks for automatic voltage when the reader selects it', async () => {
    const virtual = virtualReader('Xiring_Leov2.txt');
    expect(virtual.descriptor.automatic.voltage).toBe(true);
    virtual.insert({ ...scriptedCard({}), voltages: ['3.0V'] });
    await (await CcidReader.open(virtual.device)).slots[0]!.powerOn();
    expect(virtual.firmware.commands['IccPowerOn']).toBe(1);
  });

  it('says "no card" for an empty slot and "mute" for a card that answers at no voltage', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await expect(slot.powerOn()).rejects.toBeInstanceOf(CardAbsentError);
    virtual.insert({ ...scriptedCard({}), voltages: [] });
    await expect(slot.powerOn()).rejects.toBeInstanceOf(CardMuteError);
  });
});

describe('card insert and remove events', () => {
  it('come from the interrupt endpoint', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    const reader = await CcidReader.open(virtual.device);
    const events: SlotChange[] = [];
    reader.on('slotchange', (e) => events.push(e));
    virtual.insert(scriptedCard({}));
    await until(() => events.length === 1);
    virtual.remove();
    await until(() => events.length === 2);
    expect(events).toEqual([{ slot: 0, present: true }, { slot: 0, present: false }]);
    expect(virtual.device.transfers.bulkOut).toBe(0);
  });

  it('come from GetSlotStatus polling on a reader without an interrupt endpoint', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt', { interruptEndpoint: false });
    const reader = await CcidReader.open(virtual.device, { pollIntervalMs: 10 });
    const events: SlotChange[] = [];
    const stop = reader.on('slotchange', (e) => events.push(e));
    virtual.insert(scriptedCard({}));
    await until(() => events.length === 1);
    stop();
    expect(events).toEqual([{ slot: 0, present: true }]);
    const polls = virtual.firmware.commands['GetSlotStatus'] ?? 0;
    await new Promise((r) => setTimeout(r, 40));
    expect(virtual.firmware.commands['GetSlotStatus'] ?? 0).toBeLessThanOrEqual(polls + 1);
  });

  it('a removed card fails the next APDU with "no card"', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    virtual.insert(scriptedCard({ [SELECT]: '90 00' }));
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await slot.powerOn();
    virtual.remove();
    await expect(slot.transmit(fromHex(SELECT))).rejects.toBeInstanceOf(CardAbsentError);
  });
});

describe('card power events', () => {
  it('tell the ATR when the card is powered, and null when it is powered off or taken out', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    const card = scriptedCard({});
    virtual.insert(card);
    const reader = await CcidReader.open(virtual.device);
    const events: CardPower[] = [];
    reader.on('cardpower', (e) => events.push(e));
    const slot = reader.slots[0]!;
    await slot.powerOn();
    await slot.powerOff();
    await slot.powerOn();
    virtual.remove();
    await expect(slot.transmit(fromHex(SELECT))).rejects.toBeInstanceOf(CardAbsentError);
    const atr = toHex(card.atr);
    expect(events.map((e) => [e.slot, e.atr && toHex(e.atr)])).toEqual([
      [0, atr],
      [0, null],
      [0, atr],
      [0, null],
    ]);
  });

  it('say nothing when nothing changed (a refused power-on of an empty slot)', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    const reader = await CcidReader.open(virtual.device);
    const events: CardPower[] = [];
    reader.on('cardpower', (e) => events.push(e));
    await expect(reader.slots[0]!.powerOn()).rejects.toBeInstanceOf(CardAbsentError);
    expect(events).toEqual([]);
  });
});

describe('APDUs on APDU-level readers', () => {
  it('brings a 4 KB response back whole on an extended-APDU reader, chained by bChainParameter', async () => {
    const virtual = virtualReader('Aladdin_R.D._JCR-770.txt');
    expect(virtual.descriptor.exchangeLevel).toBe('extendedApdu');
    virtual.insert(bigFileCard(4096));
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await slot.powerOn();
    const response = await slot.transmit(fromHex('00 B0 00 00 00 10 00'));
    expect(response.length).toBe(4098);
    expect(Array.from(response.subarray(0, 4096)).every((b, i) => b === i % 251)).toBe(true);
    expect(toHex(response.subarray(4096))).toBe('90 00');
    expect(virtual.violations()).toEqual([]);
  });

  it('sends a long command in parts (wLevelParameter 1, 3, 2) that reach the card as one APDU', async () => {
    const virtual = virtualReader('Aladdin_R.D._JCR-770.txt');
    const card = bigFileCard(0);
    virtual.insert(card);
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await slot.powerOn();
    const command = new Uint8Array(7 + 600);
    command.set([0x00, 0xd6, 0x00, 0x00, 0x00, 0x02, 0x58]);
    command.fill(0xab, 7);
    expect(toHex(await slot.transmit(command))).toBe('90 00');
    expect(card.commands.at(-1)).toEqual(command);
    expect(virtual.firmware.commands['XfrBlock']).toBe(3);
  });

  it('refuses an extended APDU on a short-APDU reader without sending anything', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    virtual.insert(scriptedCard({}));
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await slot.powerOn();
    await expect(slot.transmit(new Uint8Array(300))).rejects.toBeInstanceOf(ApduTooLongError);
    expect(virtual.firmware.commands['XfrBlock']).toBeUndefined();
  });

  it('collects 61xx answers with GET RESPONSE and re-issues a case-2 command on 6Cxx', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    const card = scriptedCard({
      '00 B2 01 0C 00': '6C 04',
      '00 B2 01 0C 04': '61 03',
      '00 C0 00 00 03': 'AA BB CC 61 02',
      '00 C0 00 00 02': 'DD EE 90 00',
    });
    virtual.insert(card);
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await slot.powerOn();
    expect(toHex(await slot.transmit(fromHex('00 B2 01 0C 00')))).toBe('AA BB CC DD EE 90 00');
    expect(card.received).toEqual(['00B2010C00', '00B2010C04', '00C0000003', '00C0000002']);
  });

  it('never re-sends a command that carries data (a PIN) when the card answers 6Cxx', async () => {
    const virtual = virtualReader('ACR122U_PICC.txt');
    const card = scriptedCard({ '00 20 00 01 04 31 32 33 34': '6C 00' });
    virtual.insert(card);
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await slot.powerOn();
    expect(toHex(await slot.transmit(fromHex('00 20 00 01 04 31 32 33 34')))).toBe('6C 00');
    expect(card.received).toHaveLength(1);
  });
});

describe('every APDU-level reader of the corpus', () => {
  it('connects, powers the card and exchanges an APDU with no protocol violation', async () => {
    const counts: Record<string, number> = {};
    for (const vector of readerVectors()) {
      const level = String(vector.decoded['exchangeLevel']);
      if (level !== 'shortApdu' && level !== 'extendedApdu') continue;
      const virtual = virtualReaderFrom(vector);
      virtual.insert(scriptedCard({ [SELECT]: '90 00' }));
      const reader = await CcidReader.open(virtual.device);
      await reader.slots[0]!.powerOn();
      expect(toHex(await reader.slots[0]!.transmit(fromHex(SELECT))), vector.file).toBe('90 00');
      expect(virtual.violations(), vector.file).toEqual([]);
      await reader.close();
      counts[level] = (counts[level] ?? 0) + 1;
    }
    expect(counts).toEqual({ shortApdu: 194, extendedApdu: 295 });
    console.info(`APDU-level corpus readers working: ${JSON.stringify(counts)}`);
  });
});
