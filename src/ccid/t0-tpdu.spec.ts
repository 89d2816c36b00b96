import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from './bytes';
import { MalformedDataError } from './errors';
import { MalformedApduError } from './command-apdu';
import { ApduNotSupportedError, transmitT0 } from './t0-tpdu';
import type { T0Options } from './t0-tpdu';
import { playTrace } from './t1-trace';

const bytes = (from: number, count: number): string => toHex(Uint8Array.from({ length: count }, (_, i) => (from + i) & 0xff));

/** Plays `script` as the reader; fails on the first TPDU that differs, or if lines are left over. */
async function run(apdu: string, script: string, options?: T0Options): Promise<string> {
  const player = playTrace(script);
  const response = await transmitT0(fromHex(apdu), async (tpdu) => player.answer(tpdu), options);
  player.assertDone();
  return toHex(response);
}

async function rejection(apdu: string, script: string): Promise<unknown> {
  const player = playTrace(script);
  try {
    await transmitT0(fromHex(apdu), async (tpdu) => player.answer(tpdu));
  } catch (error) {
    player.assertDone();
    return error;
  }
  throw new Error('expected a rejection');
}

describe('transmitT0', () => {
  describe('the four cases (ISO/IEC 7816-3 §12.2)', () => {
    it('sends case 1 with P3 = 00', async () => {
      expect(await run('00 70 00 00', '=> 00 70 00 00 00 \n <= 90 00')).toBe('90 00');
    });

    it('sends case 2 with P3 = Le and returns data and status unchanged (2S.1)', async () => {
      expect(await run('00 B0 00 00 04', '=> 00 B0 00 00 04 \n <= 01 02 03 04 90 00')).toBe('01 02 03 04 90 00');
      expect(await run('00 B0 00 00 00', '=> 00 B0 00 00 00 \n <= AA BB 62 82')).toBe('AA BB 62 82');
      expect(await run('00 B0 00 00 10', '=> 00 B0 00 00 10 \n <= 67 00')).toBe('67 00'); // 2S.2
    });

    it('sends case 3 with P3 = Lc and returns the status', async () => {
      expect(await run('00 20 00 01 04 31 32 33 34', '=> 00 20 00 01 04 31 32 33 34 \n <= 63 C2')).toBe('63 C2');
    });

    it('sends case 4 as case 3, then GET RESPONSE with P3 = xx on 61xx (4S.3)', async () => {
      const script = `
        => 00 A4 04 00 02 3F 00          # Le dropped
        <= 61 10
        => 00 C0 00 00 10
        <= ${bytes(0x60, 16)} 90 00
      `;
      expect(await run('00 A4 04 00 02 3F 00 00', script)).toBe(`${bytes(0x60, 16)} 90 00`);
    });

    it('asks for the data of a case 4 answered 9000 with GET RESPONSE P3 = Le (4S.2)', async () => {
      const script = `
        => 00 A4 04 00 02 3F 00
        <= 90 00
        => 00 C0 00 00 1C
        <= ${bytes(0x80, 28)} 90 00
      `;
      expect(await run('00 A4 04 00 02 3F 00 1C', script)).toBe(`${bytes(0x80, 28)} 90 00`);
      const none = `
        => 00 A4 04 00 02 3F 00
        <= 90 00
        => 00 C0 00 00 00                # Le 256
        <= 6A 82
      `;
      expect(await run('00 A4 04 00 02 3F 00 00', none)).toBe('6A 82');
    });

    it('returns a case 4 error or warning unchanged without GET RESPONSE (4S.1, 4S.4)', async () => {
      expect(await run('00 A4 04 00 02 3F 00 00', '=> 00 A4 04 00 02 3F 00 \n <= 6A 82')).toBe('6A 82');
      expect(await run('00 A4 04 00 02 3F 00 00', '=> 00 A4 04 00 02 3F 00 \n <= 62 83')).toBe('62 83');
    });
  });

  describe('61xx', () => {
    it('gathers repeated 61xx with the command CLA in GET RESPONSE', async () => {
      const script = `
        => 80 CA 9F 7F 00
        <= 61 20
        => 80 C0 00 00 20
        <= ${bytes(0, 32)} 61 08
        => 80 C0 00 00 08
        <= ${bytes(32, 8)} 90 00
      `;
      expect(await run('80 CA 9F 7F 00', script)).toBe(`${bytes(0, 40)} 90 00`);
    });

    it('uses the getResponseCla option', async () => {
      const script = `
        => 80 CA 9F 7F 00
        <= 61 02
        => 00 C0 00 00 02
        <= 9F 7F 90 00
      `;
      expect(await run('80 CA 9F 7F 00', script, { getResponseCla: 0x00 })).toBe('9F 7F 90 00');
    });

    it('keeps data that came before 61xx and asks for no more than Ne, passing the last 61xx on', async () => {
      const script = `
        => 00 B0 00 00 10
        <= ${bytes(0, 4)} 61 20
        => 00 C0 00 00 0C               # 16 - 4 bytes left of Ne
        <= ${bytes(4, 12)} 61 14
      `;
      expect(await run('00 B0 00 00 10', script)).toBe(`${bytes(0, 16)} 61 14`);
    });

    it('stops when GET RESPONSE brings no data', async () => {
      const script = `
        => 00 B0 00 00 00
        <= 61 10
        => 00 C0 00 00 10
        <= 61 10
      `;
      expect(await run('00 B0 00 00 00', script)).toBe('61 10');
    });

    it('reads 61 00 as 256 bytes announced', async () => {
      const script = `
        => 00 B0 00 00 00
        <= 61 00
        => 00 C0 00 00 00
        <= ${bytes(0, 256)} 90 00
      `;
      expect(await run('00 B0 00 00 00', script)).toBe(`${bytes(0, 256)} 90 00`);
    });
  });

  describe('6Cxx', () => {
    it('re-sends a case 2 command once with P3 = xx (2S.3)', async () => {
      const script = `
        => 00 B0 00 00 10
        <= 6C 08
        => 00 B0 00 00 08
        <= ${bytes(0, 8)} 90 00
      `;
      expect(await run('00 B0 00 00 10', script)).toBe(`${bytes(0, 8)} 90 00`);
    });

    it('keeps only the first Ne bytes when the card insists on more (2S.3)', async () => {
      const script = `
        => 00 B0 00 00 04
        <= 6C 08
        => 00 B0 00 00 08
        <= ${bytes(0, 8)} 90 00
      `;
      expect(await run('00 B0 00 00 04', script)).toBe(`${bytes(0, 4)} 90 00`);
    });

    it('returns a second 6Cxx instead of re-sending again', async () => {
      expect(await run('00 B0 00 00 10', '=> 00 B0 00 00 10 \n <= 6C 08 \n => 00 B0 00 00 08 \n <= 6C 04')).toBe('6C 04');
    });

    it('never re-sends a command that carries data: a case 4 VERIFY-like command gets its 6Cxx back', async () => {
      const script = `
        => 00 21 00 81 08 31 32 33 34 35 36 FF FF
        <= 6C 02
      `;
      expect(await run('00 21 00 81 08 31 32 33 34 35 36 FF FF 00', script)).toBe('6C 02');
    });

    it('re-issues GET RESPONSE after 6Cxx, since it carries no data', async () => {
      const script = `
        => 00 A4 04 00 02 3F 00
        <= 90 00
        => 00 C0 00 00 00
        <= 6C 12
        => 00 C0 00 00 12
        <= ${bytes(0, 18)} 90 00
      `;
      expect(await run('00 A4 04 00 02 3F 00 00', script)).toBe(`${bytes(0, 18)} 90 00`);
    });
  });

  describe('errors', () => {
    it('refuses extended APDUs with ApduNotSupportedError before sending anything', async () => {
      expect(await rejection('00 B0 00 00 00 01 00', '')).toBeInstanceOf(ApduNotSupportedError);
      expect(await rejection('00 D6 00 00 00 00 02 AA BB', '')).toBeInstanceOf(ApduNotSupportedError);
    });

    it('refuses malformed APDUs with MalformedApduError before sending anything', async () => {
      expect(await rejection('00 A4 04', '')).toBeInstanceOf(MalformedApduError);
      expect(await rejection('00 20 00 01 04 31 32', '')).toBeInstanceOf(MalformedApduError);
    });

    it('refuses a GET RESPONSE CLA out of range', async () => {
      await expect(transmitT0(fromHex('00 B0 00 00 01'), async () => fromHex('90 00'), { getResponseCla: 0x100 })).rejects.toBeInstanceOf(
        MalformedApduError,
      );
    });

    it('names a response that breaks the TPDU rules', async () => {
      const shortAnswer = (await rejection('00 70 00 00', '=> 00 70 00 00 00 \n <= 90')) as MalformedDataError;
      expect([shortAnswer.offset, shortAnswer.expected, shortAnswer.got]).toEqual([1, 'SW1 SW2 at least', '1 bytes']);
      const tooLong = (await rejection('00 B0 00 00 02', '=> 00 B0 00 00 02 \n <= 01 02 03 90 00')) as MalformedDataError;
      expect([tooLong.offset, tooLong.expected, tooLong.got]).toEqual([2, 'at most 2 data bytes (P3)', '3 bytes']);
      const dataOnCase3 = (await rejection('00 20 00 01 01 31', '=> 00 20 00 01 01 31 \n <= 01 90 00')) as MalformedDataError;
      expect(dataOnCase3).toBeInstanceOf(MalformedDataError);
      const procedureByte = (await rejection('00 70 00 00', '=> 00 70 00 00 00 \n <= 60 00')) as MalformedDataError;
      expect([procedureByte.offset, procedureByte.got]).toEqual([0, '60']);
      const notStatus = (await rejection('00 70 00 00', '=> 00 70 00 00 00 \n <= 12 34')) as MalformedDataError;
      expect(notStatus.got).toBe('12');
    });
  });

  it('ends in a response or a MalformedDataError within 3 + 2 x 257 exchanges and sends command data once', async () => {
    const status = fc.oneof(
      fc.constantFrom('90 00', '61 00', '61 01', '61 10', '6C 00', '6C 01', '6C 10', '62 82', '6A 82', '67 00'),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => toHex(Uint8Array.of(a, b))),
    );
    const answer = fc.tuple(fc.integer({ min: 0, max: 300 }), status).map(([n, sw]) => fromHex(`${bytes(0, n)} ${sw}`));
    const apdu = fc.constantFrom('00 70 00 00', '00 B0 00 00 00', '00 B0 00 00 10', '00 20 00 01 02 31 32', '00 A4 04 00 02 3F 00 00');
    await fc.assert(
      fc.asyncProperty(apdu, fc.array(answer, { minLength: 1, maxLength: 6 }), async (command, answers) => {
        const sent: string[] = [];
        const outcome = await transmitT0(fromHex(command), async (tpdu) => {
          sent.push(toHex(tpdu));
          if (sent.length > 3 + 2 * 257) throw new Error('transmitT0 went past its bound');
          return answers[(sent.length - 1) % answers.length]!.slice();
        }).then(
          (r) => r,
          (e: unknown) => e,
        );
        // The command (case 4: plus GET RESPONSE and its 6Cxx re-issue), then per 61xx at most two
        // TPDUs, each round but the last bringing at least one of at most 256 bytes: past that bound
        // the reader above throws a plain Error, which fails this check.
        if (!(outcome instanceof Uint8Array)) expect(outcome).toBeInstanceOf(MalformedDataError);
        const withData = sent.filter((tpdu) => tpdu.startsWith('00 20') || tpdu.startsWith('00 A4'));
        expect(withData.length).toBeLessThanOrEqual(1);
      }),
      { seed: 1234, numRuns: 3000 },
    );
  });
});
