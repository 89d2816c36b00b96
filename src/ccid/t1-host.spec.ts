import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from './bytes';
import { CardLinkError, CardMuteError, DeviceDisconnectedError } from './errors';
import { encodeBlock } from './t1-block';
import type { T1Block, T1Edc, T1RError } from './t1-block';
import { MAX_RESPONSE_BYTES, T1AbortedByCardError, T1Host, T1UsageError } from './t1-host';
import type { T1Link, T1Options } from './t1-host';
import { playTrace } from './t1-trace';

const mute = (): Error => new CardMuteError('card mute', 0xfe, 0);

/** A link that plays a trace fixture; a BWT multiplier other than 1 shows as the tag {bwi N}. */
function traced(script: string, options: Partial<T1Options> = {}) {
  const player = playTrace(script, { mute, unplugged: () => new DeviceDisconnectedError('reader unplugged') });
  const link: T1Link = {
    exchange: async (block, bwi) => player.answer(block, bwi === 1 ? '' : `bwi ${bwi}`),
  };
  const host = new T1Host(link, { ifsc: 254, ifsd: 254, edc: 'lrc', ...options });
  return { host, player };
}

const SELECT_MF = fromHex('00 A4 04 0C 02 3F 00');

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('T1Host', () => {
  describe('transmit, error-free (§11.6.2)', () => {
    it('sends an APDU in one I-block and returns the card I-block, N(S) alternating per APDU (Rules 1, 2)', async () => {
      const { host, player } = traced(`
        => 00 00 07 00 A4 04 0C 02 3F 00 96   # I(0) SELECT MF
        <= 00 00 02 90 00 92                  # I(0) 90 00
        => 00 40 05 00 B0 00 00 04 F1         # I(1) READ BINARY
        <= 00 40 06 01 02 03 04 90 00 D2      # I(1)
      `);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      expect(toHex(await host.transmit(fromHex('00 B0 00 00 04')))).toBe('01 02 03 04 90 00');
      player.assertDone();
      expect(host.stats).toEqual({ blocksSent: 2, blocksReceived: 2 });
    });

    it('chains a 300-byte APDU in blocks of IFSC 32, the minimum of 10 blocks each way (Rule 5)', async () => {
      const apdu = Uint8Array.of(0x00, 0xd6, 0x00, 0x00, 0x00, 0x01, 0x25, ...Array.from({ length: 293 }, (_, i) => (i * 7 + 3) & 0xff));
      const { host, player } = traced(
        `
        => 00 20 20 00 D6 00 00 00 01 25 03 0A 11 18 1F 26 2D 34 3B 42 49 50 57 5E 65 6C 73 7A 81 88 8F 96 9D A4 AB 39
        <= 00 90 00 90
        => 00 60 20 B2 B9 C0 C7 CE D5 DC E3 EA F1 F8 FF 06 0D 14 1B 22 29 30 37 3E 45 4C 53 5A 61 68 6F 76 7D 84 8B 20
        <= 00 80 00 80
        => 00 20 20 92 99 A0 A7 AE B5 BC C3 CA D1 D8 DF E6 ED F4 FB 02 09 10 17 1E 25 2C 33 3A 41 48 4F 56 5D 64 6B 20
        <= 00 90 00 90
        => 00 60 20 72 79 80 87 8E 95 9C A3 AA B1 B8 BF C6 CD D4 DB E2 E9 F0 F7 FE 05 0C 13 1A 21 28 2F 36 3D 44 4B A0
        <= 00 80 00 80
        => 00 20 20 52 59 60 67 6E 75 7C 83 8A 91 98 9F A6 AD B4 BB C2 C9 D0 D7 DE E5 EC F3 FA 01 08 0F 16 1D 24 2B 20
        <= 00 90 00 90
        => 00 60 20 32 39 40 47 4E 55 5C 63 6A 71 78 7F 86 8D 94 9B A2 A9 B0 B7 BE C5 CC D3 DA E1 E8 EF F6 FD 04 0B 20
        <= 00 80 00 80
        => 00 20 20 12 19 20 27 2E 35 3C 43 4A 51 58 5F 66 6D 74 7B 82 89 90 97 9E A5 AC B3 BA C1 C8 CF D6 DD E4 EB 20
        <= 00 90 00 90
        => 00 60 20 F2 F9 00 07 0E 15 1C 23 2A 31 38 3F 46 4D 54 5B 62 69 70 77 7E 85 8C 93 9A A1 A8 AF B6 BD C4 CB A0
        <= 00 80 00 80
        => 00 20 20 D2 D9 E0 E7 EE F5 FC 03 0A 11 18 1F 26 2D 34 3B 42 49 50 57 5E 65 6C 73 7A 81 88 8F 96 9D A4 AB 20
        <= 00 90 00 90
        => 00 40 0C B2 B9 C0 C7 CE D5 DC E3 EA F1 F8 FF 78   # the last 12 bytes, M = 0
        <= 00 00 02 90 00 92
      `,
        { ifsc: 32 },
      );
      expect(toHex(await host.transmit(apdu))).toBe('90 00');
      player.assertDone();
      expect(host.stats).toEqual({ blocksSent: Math.ceil(300 / 32), blocksReceived: Math.ceil(300 / 32) });
    });

    it('acknowledges card chaining with R(N(R) = next N(S)) and joins the parts (Rule 5)', async () => {
      const { host, player } = traced(`
        => 00 00 05 00 B0 00 00 14 A1
        <= 00 20 08 01 02 03 04 05 06 07 08 20     # I(0, M)
        => 00 90 00 90                             # R(1)
        <= 00 60 08 09 0A 0B 0C 0D 0E 0F 10 70     # I(1, M)
        => 00 80 00 80                             # R(0)
        <= 00 00 06 11 12 13 14 90 00 92           # I(0)
      `);
      expect(toHex(await host.transmit(fromHex('00 B0 00 00 14')))).toBe(
        '01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 90 00',
      );
      player.assertDone();
      expect(host.stats).toEqual({ blocksSent: 3, blocksReceived: 3 });
    });

    it('answers S(IFS request) mid-chain with S(IFS response) and sends the rest in blocks of the new IFSC (Rule 4)', async () => {
      const apdu = Uint8Array.of(0x00, 0xda, 0x01, 0x00, 0x4b, ...Array.from({ length: 75 }, (_, i) => 0x40 + i));
      const { host, player } = traced(
        `
        => 00 20 20 00 DA 01 00 4B 40 41 42 43 44 45 46 47 48 49 4A 4B 4C 4D 4E 4F 50 51 52 53 54 55 56 57 58 59 5A CB
        <= 00 C1 01 40 80       # S(IFS request 64)
        => 00 E1 01 40 A0       # S(IFS response 64)
        <= 00 90 00 90          # R(1): the first block arrived
        => 00 40 30 5B 5C 5D 5E 5F 60 61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E 6F 70 71 72 73 74 75 76 77 78 79 7A 7B 7C 7D 7E 7F 80 81 82 83 84 85 86 87 88 89 8A A0
        <= 00 00 02 90 00 92
      `,
        { ifsc: 32 },
      );
      expect(toHex(await host.transmit(apdu))).toBe('90 00');
      player.assertDone();
    });

    it('answers S(IFS request) in the middle of the card chain and goes on with the chain', async () => {
      const { host, player } = traced(`
        => 00 00 05 00 B0 00 00 08 BD
        <= 00 20 04 01 02 03 04 20
        => 00 90 00 90
        <= 00 C1 01 FE 3E
        => 00 E1 01 FE 1E
        <= 00 40 06 05 06 07 08 90 00 DA
      `);
      expect(toHex(await host.transmit(fromHex('00 B0 00 00 08')))).toBe('01 02 03 04 05 06 07 08 90 00');
      player.assertDone();
    });

    it('echoes S(WTX request) and waits BWT times the multiplier for that one answer only (Rule 3)', async () => {
      const apdu = fromHex(`00 2A 9E 9A 20 ${toHex(Uint8Array.from({ length: 32 }, (_, i) => i))} 00`);
      const { host, player } = traced(`
        => 00 00 26 00 2A 9E 9A 20 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 00 28
        <= 00 C3 01 05 C7               # S(WTX request 5)
        => {bwi 5} 00 E3 01 05 E7       # S(WTX response 5), then wait 5 BWT
        <= 00 C3 01 02 C0               # S(WTX request 2)
        => {bwi 2} 00 E3 01 02 E0
        <= 00 20 08 A0 A1 A2 A3 A4 A5 A6 A7 28
        => 00 90 00 90                  # back to 1 BWT
        <= 00 40 0A A8 A9 AA AB AC AD AE AF 90 00 DA
      `);
      expect(toHex(await host.transmit(apdu))).toBe('A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 AA AB AC AD AE AF 90 00');
      player.assertDone();
    });

    it('sends its NAD and accepts the card answering with SAD and DAD swapped', async () => {
      const { host, player } = traced(
        `
        => 12 00 07 00 A4 04 0C 02 3F 00 84
        <= 21 00 02 90 00 B3
      `,
        { nad: 0x12 },
      );
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
    });

    it('computes and checks a two-byte CRC in CRC mode', async () => {
      const { host, player } = traced(
        `
        => 00 00 07 00 A4 04 0C 02 3F 00 EE 55
        <= 00 00 02 90 00 92 63
        => 00 40 05 00 B0 00 00 02 7C 12
        <= 00 40 04 AA BB 90 00 00 00      # CRC wrong
        => 00 91 00 49 C6                  # R(1, EDC error)
        <= 00 40 04 AA BB 90 00 9B 67
      `,
        { edc: 'crc' },
      );
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      expect(toHex(await host.transmit(fromHex('00 B0 00 00 02')))).toBe('AA BB 90 00');
      player.assertDone();
    });
  });

  describe('transmit, error handling (§11.6.3)', () => {
    it('answers a block with a bad EDC by R(N(R), EDC error) and takes the block the card sends again (Rule 7.1)', async () => {
      const { host, player } = traced(`
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 00 02 90 00 93     # LRC should be 92
        => 00 81 00 81           # R(0, EDC error)
        <= 00 00 02 90 00 92
      `);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
      expect(host.stats).toEqual({ blocksSent: 2, blocksReceived: 2 });
    });

    it('answers no block within BWT by R(N(R), other error), not by sending the I-block again (Rule 7.1)', async () => {
      const { host, player } = traced(`
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= !mute
        => 00 82 00 82           # R(0, other error)
        <= 00 00 02 90 00 92
      `);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
      expect(host.stats).toEqual({ blocksSent: 2, blocksReceived: 1 });
    });

    it('sends the I-block again when the card asks for it with R(N(R) = its N(S))', async () => {
      const { host, player } = traced(`
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 81 00 81           # R(0, EDC error): the card did not get I(0)
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 00 02 90 00 92
      `);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
    });

    it('answers an I-block with the wrong N(S) by R(expected N(S), other error) and drops it', async () => {
      const { host, player } = traced(`
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 00 02 90 00 92
        => 00 40 05 00 B0 00 00 02 F7     # I(1)
        <= 00 00 04 AA BB 90 00 85        # I(0), but I(1) is due
        => 00 92 00 92                    # R(1, other error)
        <= 00 40 04 AA BB 90 00 C5
      `);
      await host.transmit(SELECT_MF);
      expect(toHex(await host.transmit(fromHex('00 B0 00 00 02')))).toBe('AA BB 90 00');
      player.assertDone();
    });

    it('sends its R-block again when an R-block comes during the card chain (Rule 7.2)', async () => {
      const { host, player } = traced(`
        => 00 00 05 00 B0 00 00 08 BD
        <= 00 20 04 01 02 03 04 20
        => 00 90 00 90
        <= 00 90 00 90          # an R-block where I(1) is due
        => 00 90 00 90          # the same R(1)
        <= 00 40 06 05 06 07 08 90 00 DA
      `);
      expect(toHex(await host.transmit(fromHex('00 B0 00 00 08')))).toBe('01 02 03 04 05 06 07 08 90 00');
      player.assertDone();
    });

    it('treats an S-response nobody asked for as an invalid block', async () => {
      const { host, player } = traced(`
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 E3 01 01 E3        # S(WTX response)
        => 00 82 00 82
        <= 00 00 02 90 00 92
      `);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
    });

    it('after maxRetries repeats resynchronizes and throws CardLinkError without sending the APDU again (Rule 7.4.2)', async () => {
      const { host, player } = traced(`
        => 00 00 07 00 A4 04 0C 02 3F 00 96   # I(0)
        <= 00 00 02 90 00 92
        => 00 40 05 00 B0 00 00 04 F1         # I(1)
        <= !mute
        => 00 92 00 92                        # R(1, other error), three times at most
        <= !mute
        => 00 92 00 92
        <= !mute
        => 00 92 00 92
        <= !mute
        => 00 C0 00 C0                        # S(RESYNCH request)
        <= 00 E0 00 E0                        # S(RESYNCH response)
        => 00 00 07 00 A4 04 0C 02 3F 00 96   # next APDU: N(S) starts over at 0
        <= 00 00 02 90 00 92
      `);
      await host.transmit(SELECT_MF);
      const error = await rejection(host.transmit(fromHex('00 B0 00 00 04')));
      expect(error).toBeInstanceOf(CardLinkError);
      expect((error as CardLinkError).cause).toBeInstanceOf(CardMuteError);
      expect((error as Error).message).toMatch(/not sent again/);
      expect(player.played).toBe(6);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
    });

    it('never sends a VERIFY again when the card answers R-blocks that acknowledge it (PIN safety)', async () => {
      const verify = fromHex('00 20 00 01 08 31 32 33 34 35 36 FF FF');
      const { host, player } = traced(`
        => 00 00 0D 00 20 00 01 08 31 32 33 34 35 36 FF FF 23   # I(0) VERIFY, the only time
        <= !mute
        => 00 82 00 82
        <= 00 90 00 90          # R(1): "got I(0), send the next" — nothing to send
        => 00 82 00 82
        <= 00 92 00 92
        => 00 82 00 82
        <= !mute
        => 00 C0 00 C0
        <= 00 E0 00 E0
      `);
      const error = await rejection(host.transmit(verify));
      expect(error).toBeInstanceOf(CardLinkError);
      player.assertDone();
    });

    it('throws CardLinkError when S(RESYNCH) gets no answer either, and resynchronizes first on the next call', async () => {
      const { host, player } = traced(
        `
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 00 02 90 00 93
        => 00 81 00 81
        <= 00 00 02 90 00 93
        => 00 C0 00 C0
        <= !mute
        => 00 C0 00 C0
        <= 00 E0 00 E0 00       # wrong length
        => 00 C0 00 C0          # next transmit: S(RESYNCH) before any I-block
        <= 00 E0 00 E0
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 00 02 90 00 92
      `,
        { maxRetries: 1 },
      );
      const error = await rejection(host.transmit(SELECT_MF));
      expect(error).toBeInstanceOf(CardLinkError);
      expect((error as Error).message).toMatch(/S\(RESYNCH\) failed/);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
    });

    it('ends endless S(WTX request) with CardLinkError after maxWtxInARow', async () => {
      const { host, player } = traced(
        `
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 C3 01 0A C8
        => {bwi 10} 00 E3 01 0A E8
        <= 00 C3 01 0A C8
        => {bwi 10} 00 E3 01 0A E8
        <= 00 C3 01 0A C8       # the third in a row, one too many
        => 00 C0 00 C0          # the next call resynchronizes first
        <= 00 E0 00 E0
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 00 02 90 00 92
      `,
        { maxWtxInARow: 2 },
      );
      const error = await rejection(host.transmit(SELECT_MF));
      expect(error).toBeInstanceOf(CardLinkError);
      expect((error as CardLinkError).cause).toBeInstanceOf(Error);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
    });

    it('bounds S(WTX request) at 64 in a row by default', async () => {
      let calls = 0;
      const wtx = fromHex('00 C3 01 01 C3');
      const link: T1Link = {
        exchange: async () => {
          calls += 1;
          return wtx.slice();
        },
      };
      const host = new T1Host(link, { ifsc: 254, ifsd: 254, edc: 'lrc' });
      await expect(host.transmit(SELECT_MF)).rejects.toBeInstanceOf(CardLinkError);
      expect(calls).toBe(65);
    });

    it('answers S(ABORT request) with S(ABORT response) and throws T1AbortedByCardError (Rule 9)', async () => {
      const { host, player } = traced(
        `
        => 00 20 04 00 A4 04 0C 88      # I(0, M), IFSC 4
        <= 00 C2 00 C2                  # S(ABORT request)
        => 00 E2 00 E2                  # S(ABORT response)
        <= 00 80 00 80
        => 00 C0 00 C0                  # the next call resynchronizes first
        <= 00 E0 00 E0
        => 00 20 04 00 A4 04 0C 88      # and chains the APDU again from I(0)
        <= 00 90 00 90
        => 00 40 03 02 3F 00 7E
        <= 00 00 02 90 00 92
      `,
        { ifsc: 4 },
      );
      const error = await rejection(host.transmit(SELECT_MF));
      expect(error).toBeInstanceOf(T1AbortedByCardError);
      expect(error).toBeInstanceOf(CardLinkError);
      expect(player.played).toBe(2);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
    });

    it('lets fatal link errors through unchanged and resynchronizes before the next APDU', async () => {
      const { host, player } = traced(`
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= !unplugged
        => 00 C0 00 C0
        <= 00 E0 00 E0
        => 00 00 07 00 A4 04 0C 02 3F 00 96
        <= 00 00 02 90 00 92
      `);
      await expect(host.transmit(SELECT_MF)).rejects.toBeInstanceOf(DeviceDisconnectedError);
      expect(toHex(await host.transmit(SELECT_MF))).toBe('90 00');
      player.assertDone();
    });

    it(`refuses a response chain longer than ${MAX_RESPONSE_BYTES} bytes`, async () => {
      let calls = 0;
      let ns: 0 | 1 = 0;
      const link: T1Link = {
        exchange: async () => {
          calls += 1;
          if (calls > 300) throw new Error('the chain was not cut');
          const block = encodeBlock({ kind: 'I', nad: 0, ns, more: true, inf: new Uint8Array(254) }, 'lrc');
          ns = ns === 0 ? 1 : 0;
          return block;
        },
      };
      const host = new T1Host(link, { ifsc: 254, ifsd: 254, edc: 'lrc' });
      const error = await rejection(host.transmit(fromHex('00 B0 00 00 00 00 00')));
      expect(error).toBeInstanceOf(CardLinkError);
      // 258 blocks of 254 bytes fit (65,532 bytes); the 259th would not.
      expect(calls).toBe(259);
    });
  });

  describe('negotiateIfsd', () => {
    it('sends S(IFS request IFSD) and accepts the echoing S(IFS response) (Rule 4)', async () => {
      const { host, player } = traced(`
        => 00 C1 01 FE 3E
        <= 00 E1 01 FE 1E
      `);
      await host.negotiateIfsd();
      player.assertDone();
    });

    it('sends the request again after an invalid answer or a wrong value (Rule 7.3)', async () => {
      const { host, player } = traced(`
        => 00 C1 01 FE 3E
        <= 00 E1 01 FE 1F       # bad LRC
        => 00 C1 01 FE 3E
        <= 00 E1 01 20 C0       # another value
        => 00 C1 01 FE 3E
        <= 00 E1 01 FE 1E
      `);
      await host.negotiateIfsd();
      player.assertDone();
    });

    it('resynchronizes and throws CardLinkError when the card never answers', async () => {
      const { host, player } = traced(
        `
        => 00 C1 01 20 E0
        <= !mute
        => 00 C1 01 20 E0
        <= 00 C3 01 01 C3
        => 00 C0 00 C0
        <= 00 E0 00 E0
      `,
        { ifsd: 32, maxRetries: 1 },
      );
      await expect(host.negotiateIfsd()).rejects.toBeInstanceOf(CardLinkError);
      player.assertDone();
    });
  });

  describe('usage', () => {
    it('refuses an empty APDU and options out of range with T1UsageError', async () => {
      const link: T1Link = { exchange: async () => new Uint8Array(0) };
      await expect(new T1Host(link, { ifsc: 32, ifsd: 32, edc: 'lrc' }).transmit(new Uint8Array(0))).rejects.toBeInstanceOf(
        T1UsageError,
      );
      for (const bad of [{ ifsc: 0 }, { ifsc: 255 }, { ifsd: 0 }, { ifsd: 300 }, { nad: 0xff }, { maxRetries: -1 }, { ifsc: 1.5 }]) {
        expect(() => new T1Host(link, { ifsc: 32, ifsd: 32, edc: 'lrc', ...bad })).toThrow(T1UsageError);
      }
      expect(() => new T1Host(link, { ifsc: 32, ifsd: 32, edc: 'xor' as T1Edc })).toThrow(T1UsageError);
    });
  });

  describe('against arbitrary card answers', () => {
    /** One answer of the scripted responder: a block, a block with a byte changed, raw bytes, or silence. */
    type Reply = { block: T1Block; flip?: { at: number; mask: number } } | { raw: Uint8Array } | { mute: true };

    const bit = fc.constantFrom<0 | 1>(0, 1);
    const iBlock = (more: boolean, inf: fc.Arbitrary<Uint8Array>): fc.Arbitrary<T1Block> =>
      fc.record({ kind: fc.constant('I' as const), nad: fc.constant(0), ns: bit, more: fc.constant(more), inf });
    const block: fc.Arbitrary<T1Block> = fc.oneof(
      { weight: 3, arbitrary: iBlock(false, fc.uint8Array({ maxLength: 12 })) },
      // Chained blocks are long, so that a chain that happens to be valid reaches the size bound quickly.
      { weight: 2, arbitrary: iBlock(true, fc.integer({ min: 64, max: 254 }).map((n) => new Uint8Array(n).fill(0x5a))) },
      { weight: 1, arbitrary: iBlock(true, fc.constant(new Uint8Array(0))) },
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant('R' as const), nad: fc.constant(0), nr: bit, error: fc.constantFrom<T1RError>('none', 'edc', 'other') }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('S' as const),
          nad: fc.constant(0),
          type: fc.constantFrom('IFS' as const, 'WTX' as const),
          response: fc.boolean(),
          inf: fc.integer({ min: 1, max: 254 }).map((v) => Uint8Array.of(v)),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('S' as const),
          nad: fc.constant(0),
          type: fc.constantFrom('RESYNCH' as const, 'ABORT' as const),
          response: fc.boolean(),
          inf: fc.constant(new Uint8Array(0)),
        }),
      },
    );
    const reply: fc.Arbitrary<Reply> = fc.oneof(
      { weight: 6, arbitrary: block.map((b) => ({ block: b })) },
      { weight: 2, arbitrary: fc.record({ block, flip: fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }) }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((raw) => ({ raw })) },
      { weight: 1, arbitrary: fc.constant({ mute: true as const }) },
    );

    it('ends every transmit in a response or a CardLinkError within a bounded number of exchanges', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(reply, { minLength: 1, maxLength: 8 }),
          fc.uint8Array({ minLength: 1, maxLength: 40 }),
          fc.integer({ min: 1, max: 16 }),
          fc.integer({ min: 0, max: 3 }),
          fc.integer({ min: 0, max: 3 }),
          fc.constantFrom<T1Edc>('lrc', 'crc'),
          async (replies, apdu, ifsc, maxRetries, maxWtxInARow, edc) => {
            // Each step that moves the exchange on (a chunk acknowledged, a card I-block taken) costs at
            // most (maxRetries + 1) answers, each after at most maxWtxInARow S(WTX); then S(RESYNCH) or
            // S(ABORT response). Chunks carry at least one byte whatever IFSC the card announces, and
            // only I-blocks that carry data or end the chain can be taken.
            let calls = 0;
            let takeable = 0;
            const bound = (): number => (apdu.length + takeable + 1) * (maxRetries + 1) * (maxWtxInARow + 1) + maxRetries + 1;
            const link: T1Link = {
              exchange: async () => {
                calls += 1;
                if (calls > bound()) throw new Error(`the engine went past ${bound()} exchanges`);
                // Let timers run now and then, so that a runaway engine meets the test timeout.
                if (calls % 1000 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
                // The replies repeat for ever, so only the engine's own bounds can end the exchange.
                const r = replies[(calls - 1) % replies.length]!;
                if ('mute' in r) throw mute();
                if ('raw' in r) return r.raw.slice();
                if (r.block.kind === 'I' && (r.block.inf.length > 0 || !r.block.more)) takeable += 1;
                const bytes = encodeBlock(r.block, edc);
                if (r.flip) {
                  const at = r.flip.at % bytes.length;
                  bytes[at] = (bytes[at] ?? 0) ^ r.flip.mask;
                }
                return bytes;
              },
            };
            const host = new T1Host(link, { ifsc, ifsd: 254, edc, maxRetries, maxWtxInARow });
            const outcome = await host.transmit(apdu).then(
              (response) => response,
              (error: unknown) => error,
            );
            if (!(outcome instanceof Uint8Array)) expect(outcome).toBeInstanceOf(CardLinkError);
          },
        ),
        { seed: 1234, numRuns: 10_000, endOnFailure: true },
      );
    });
  });
});

