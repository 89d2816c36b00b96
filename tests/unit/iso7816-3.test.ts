import { describe, it, expect } from 'vitest';
import { CardLinkError, CardMuteError, CardNotSupportedError, CcidReader, fromHex, toHex } from '../../src/ccid';
import { createT1Card, type T1Card } from '../../src/sim/card-t1';
import { createApduCard } from '../../src/sim/virtual-card';
import { virtualReader } from '../support/readers';
import { readerVector } from '../support/corpus';
import { ECARD_ATR, SELECT_ECARD, TRIES_LEFT, ecardLikeCard } from '../support/ecard-like';

/** GemPC Twin: TPDU level, T=0 and T=1, host-made PPS, 40 data rates including 43,011 bps. */
const TPDU_READER = 'GemPCTwin.txt';
/** BIFIT ANGARA: a TPDU reader of the corpus that offers T=0 only. */
const T0_ONLY_READER = 'BIFIT_ANGARA.txt';
/** The eCard's ATR with TA3 (IFSC) lowered to 16: the host must chain its commands. */
const SMALL_IFSC_ATR = withTck('3B F0 13 00 00 81 31 10 45');

function withTck(hex: string): string {
  const bytes = fromHex(hex);
  const tck = bytes.subarray(1).reduce((x, b) => x ^ b, 0);
  return `${hex} ${toHex(Uint8Array.of(tck))}`;
}

/** A T=1 card with the eCard's ATR that stores what UPDATE BINARY writes and READ BINARY reads. */
function storageCard(atr = ECARD_ATR): T1Card {
  let stored = new Uint8Array(0);
  return createT1Card({
    atr: fromHex(atr),
    apdu: (command) => {
      if (command[1] === 0xd6) {
        stored = command.slice(7);
        return fromHex('90 00');
      }
      if (command[1] === 0xb0) return Uint8Array.from([...stored, 0x90, 0x00]);
      return fromHex('90 00');
    },
  });
}

async function poweredTpdu(card: T1Card, options: Parameters<typeof virtualReader>[1] = {}) {
  const virtual = virtualReader(TPDU_READER, options);
  virtual.insert(card);
  const reader = await CcidReader.open(virtual.device);
  const slot = reader.slots[0]!;
  await slot.powerOn();
  return { virtual, reader, slot };
}

const xfrBlocks = (v: { firmware: { commands: Record<string, number> } }) => v.firmware.commands['XfrBlock'] ?? 0;

function extendedUpdate(length: number): Uint8Array {
  const apdu = new Uint8Array(7 + length);
  apdu.set([0x00, 0xd6, 0x00, 0x00, 0x00, length >> 8, length & 0xff]);
  for (let i = 0; i < length; i++) apdu[7 + i] = i & 0xff;
  return apdu;
}

describe('speed negotiation on a TPDU reader', () => {
  it('runs the eCard at Di 4 after a PPS, and the card check costs ≥ 3.5× less wire time than at the default speed', async () => {
    const fast = await poweredTpdu(ecardLikeCard());
    expect(fast.slot.session?.plan).toMatchObject({ protocol: 1, di: 4, fi: 372 });
    expect(toHex(fast.slot.session?.plan?.pps ?? new Uint8Array(0))).toBe('FF 11 13 FD');
    // The same reader with dwMaxDataRate lowered to the default rate (bytes 23..26 of the descriptor).
    const slowDescriptor = fromHex(readerVector(TPDU_READER).ccid_class_descriptor_hex);
    new DataView(slowDescriptor.buffer).setUint32(23, 10_753, true);
    const slow = await poweredTpdu(ecardLikeCard(), { descriptor: slowDescriptor });
    expect(slow.slot.session?.plan).toMatchObject({ protocol: 1, di: 1, pps: null });

    const check = async (slot: typeof fast.slot) => {
      expect(toHex(await slot.transmit(fromHex(SELECT_ECARD)))).toBe('90 00');
      expect(toHex(await slot.transmit(fromHex(TRIES_LEFT)))).toBe('63 C5');
    };
    const before = [fast.virtual.firmware.wireTimeSeconds(0), slow.virtual.firmware.wireTimeSeconds(0)];
    await check(fast.slot);
    await check(slow.slot);
    const fastTime = fast.virtual.firmware.wireTimeSeconds(0) - (before[0] ?? 0);
    const slowTime = slow.virtual.firmware.wireTimeSeconds(0) - (before[1] ?? 0);
    console.info(`card check wire time: ${(fastTime * 1000).toFixed(2)} ms at Di 4, ${(slowTime * 1000).toFixed(2)} ms at Di 1 (×${(slowTime / fastTime).toFixed(2)})`);
    expect(slowTime / fastTime).toBeGreaterThanOrEqual(3.5);
  });

  it('sets the parameters without a PPS on a reader that makes the PPS itself (dwFeatures 0x80)', async () => {
    const virtual = virtualReader('ACS_ACR39U_ICC_Reader.txt');
    expect(virtual.descriptor.automatic.pps).toBe(true);
    virtual.insert(ecardLikeCard());
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await slot.powerOn();
    expect(slot.session?.plan?.pps).toBeNull();
    expect(virtual.firmware.commands['SetParameters']).toBe(1);
    expect(toHex(await slot.transmit(fromHex(TRIES_LEFT)))).toBe('63 C5');
  });

  it('says plainly that a T=0-only reader cannot talk to the T=1-only eCard', async () => {
    const virtual = virtualReader(T0_ONLY_READER);
    expect(virtual.descriptor.protocols).toEqual([0]);
    virtual.insert(ecardLikeCard());
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await expect(slot.powerOn()).rejects.toBeInstanceOf(CardNotSupportedError);
    expect(toHex(slot.atr ?? new Uint8Array(0))).toBe(ECARD_ATR);
  });
});

describe('T=1 on a TPDU reader', () => {
  it('asks the card for IFSD = dwMaxIFSD first, then spends the minimum of blocks per APDU', async () => {
    const card = storageCard();
    const { virtual, slot } = await poweredTpdu(card);
    expect(card.log).toContainEqual({ kind: 'ifsd', size: 254 });
    const blocksBefore = xfrBlocks(virtual);
    expect(toHex(await slot.transmit(fromHex(TRIES_LEFT)))).toBe('90 00');
    expect(xfrBlocks(virtual) - blocksBefore).toBe(1);

    // 600 data bytes: a 607-byte command in ⌈607/254⌉ = 3 I-blocks (2 R-acks between them), then
    // a 602-byte answer in ⌈602/254⌉ = 3 I-blocks (2 R-blocks asking for the next): 5 XfrBlocks.
    const before = xfrBlocks(virtual);
    expect(toHex(await slot.transmit(extendedUpdate(600)))).toBe('90 00');
    expect(xfrBlocks(virtual) - before).toBe(3);
    const read = await slot.transmit(fromHex('00 B0 00 00 00 02 58'));
    expect(read.length).toBe(602);
    expect(xfrBlocks(virtual) - before).toBe(3 + 3);
  });

  it('chains its commands in blocks of the card IFSC (TA3 = 16): ⌈107 / 16⌉ = 7 blocks', async () => {
    const card = storageCard(SMALL_IFSC_ATR);
    const { virtual, slot } = await poweredTpdu(card);
    expect(slot.session?.plan).toMatchObject({ ifsc: 16 });
    const before = xfrBlocks(virtual);
    expect(toHex(await slot.transmit(extendedUpdate(100)))).toBe('90 00');
    expect(xfrBlocks(virtual) - before).toBe(7);
    expect(card.log.filter((e) => e.kind === 'apdu')).toHaveLength(1);
  });

  it('takes the IFSC the card asks for with S(IFS request) for the commands that follow', async () => {
    const card = storageCard();
    const { virtual, slot } = await poweredTpdu(card);
    card.faults.requestIfs(32);
    expect(toHex(await slot.transmit(fromHex(TRIES_LEFT)))).toBe('90 00');
    expect(card.log).toContainEqual({ kind: 'ifsc', size: 32 });
    const before = xfrBlocks(virtual);
    expect(toHex(await slot.transmit(extendedUpdate(100)))).toBe('90 00');
    expect(xfrBlocks(virtual) - before).toBe(Math.ceil(107 / 32));
  });

  it('answers S(WTX) and passes the multiplier to the reader as bBWI for that one block', async () => {
    const card = storageCard();
    const { virtual, slot } = await poweredTpdu(card);
    card.faults.requestWtx(3);
    expect(toHex(await slot.transmit(fromHex(TRIES_LEFT)))).toBe('90 00');
    // The S(WTX response) block waits under bBWI = 3; the block before and the next command do not.
    expect(virtual.firmware.xfrBlockBwi.slice(-2)).toEqual([0, 3]);
    await slot.transmit(fromHex(TRIES_LEFT));
    expect(virtual.firmware.xfrBlockBwi.at(-1)).toBe(0);
  });

  it('recovers a block the card sent with a bad EDC by asking again (R-block, §11.6.3.2)', async () => {
    const card = storageCard();
    const { slot } = await poweredTpdu(card);
    card.faults.corruptNextEdc();
    expect(toHex(await slot.transmit(fromHex(TRIES_LEFT)))).toBe('90 00');
    const sent = card.log.filter((e) => e.kind === 'sent').slice(-2);
    expect(sent.map((e) => e.kind === 'sent' && e.retransmission)).toEqual([false, true]);
    expect(card.log.filter((e) => e.kind === 'apdu')).toHaveLength(1);
  });

  it('recovers a lost block (the reader reports the card mute) without running the command twice', async () => {
    const card = storageCard();
    const { slot } = await poweredTpdu(card);
    card.faults.loseNextBlock();
    expect(toHex(await slot.transmit(fromHex(TRIES_LEFT)))).toBe('90 00');
    expect(card.log.filter((e) => e.kind === 'apdu')).toHaveLength(1);
  });

  it('ends with a typed error, in bounded time, when the card falls silent', async () => {
    const card = storageCard();
    const { slot } = await poweredTpdu(card);
    card.faults.mute();
    const started = Date.now();
    const error = await slot.transmit(fromHex(TRIES_LEFT)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CardLinkError);
    expect((error as CardLinkError).cause).toBeInstanceOf(CardLinkError);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(card.log.filter((e) => e.kind === 'apdu')).toHaveLength(0);
  });

  it('reports a card that never answers the power-on as mute', async () => {
    const virtual = virtualReader(TPDU_READER);
    virtual.insert({ ...ecardLikeCard(), voltages: [] });
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await expect(slot.powerOn()).rejects.toBeInstanceOf(CardMuteError);
  });
});

describe('T=0 on a TPDU reader', () => {
  /** A T=0 card (ATR 3B 02 14 50: T=0 only, default speed) with a record file and GET CHALLENGE. */
  function t0Card() {
    const received: string[] = [];
    const card = createApduCard({
      atr: fromHex('3B 02 14 50'),
      apdu: (command) => {
        received.push(toHex(command));
        switch (command[1]) {
          case 0x84: // GET CHALLENGE (case 2): 8 bytes
            return fromHex('01 02 03 04 05 06 07 08 90 00');
          case 0xdc: // UPDATE RECORD (case 3)
            return fromHex('90 00');
          case 0xa4: // SELECT with FCI (case 4): 20 bytes
            return Uint8Array.from([...Array.from({ length: 20 }, (_, i) => i), 0x90, 0x00]);
          default: // case 1
            return fromHex('90 00');
        }
      },
    });
    return { card, received };
  }

  it('carries the four APDU cases, asking GET RESPONSE on 61xx and re-sending on 6Cxx', async () => {
    const { card, received } = t0Card();
    const virtual = virtualReader(T0_ONLY_READER);
    virtual.insert(card);
    const slot = (await CcidReader.open(virtual.device)).slots[0]!;
    await slot.powerOn();
    expect(slot.session?.plan?.protocol).toBe(0);
    expect(toHex(await slot.transmit(fromHex('00 44 00 00')))).toBe('90 00');
    expect(toHex(await slot.transmit(fromHex('00 84 00 00 08')))).toBe('01 02 03 04 05 06 07 08 90 00');
    // Le 00 (256) where the card has 8: the card answers 6C08 and the command goes again with 08.
    expect(toHex(await slot.transmit(fromHex('00 84 00 00 00')))).toBe('01 02 03 04 05 06 07 08 90 00');
    expect(toHex(await slot.transmit(fromHex('00 DC 01 04 03 AA BB CC')))).toBe('90 00');
    const fci = await slot.transmit(fromHex('00 A4 04 00 02 3F 00 00'));
    expect(fci.length).toBe(22);
    expect(received.filter((c) => c.startsWith('00 A4'))).toHaveLength(1);
    expect(virtual.violations()).toEqual([]);
  });
});
