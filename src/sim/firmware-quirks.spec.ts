import { describe, expect, it } from 'vitest';
import { fromHex } from '../ccid';
import { createVirtualReader } from '.';
import { acceptedMessageLength, matchEscape, vendorEscapes } from './firmware-quirks';

/** What libccid 1.5.2 sends a GemPC Pinpad at open: B2 A0 00 4D 4C and ten LCD strings padded to 16. */
function loadLcdStrings(): Uint8Array {
  const strings = ['Enter PIN', 'New PIN', 'Confirm PIN', 'PIN OK', 'Incorrect PIN!', 'Time Out', '* retries left', 'Insert Card', 'Card Error', 'PIN blocked'];
  return Uint8Array.from([0xb2, 0xa0, 0x00, 0x4d, 0x4c, ...strings.flatMap((s) => [...s.padEnd(16, ' ')].map((c) => c.charCodeAt(0)))]);
}

/** The GemPC Pinpad's CCID descriptor (libccid readers/GemPCPinpad.txt). */
const GEMPC_PINPAD = '36210001000703000000a00f0000a00f000000002a000020a1070000fe0000000000000000000000300201000f010000000000000301';

describe('accepted message length', () => {
  it('is 270 for SCM firmware announcing 263, the announced length otherwise', () => {
    expect(acceptedMessageLength(0x04e6, 263)).toBe(270);
    expect(acceptedMessageLength(0x04e6, 271)).toBe(271);
    expect(acceptedMessageLength(0x08e6, 263)).toBe(263);
  });
});

describe('vendor escapes', () => {
  it('knows the LCD strings escape of the GemPC Pinpad and the Véga-Alpha only', () => {
    expect(matchEscape(vendorEscapes(0x08e6, 0x3478), loadLcdStrings())?.name).toBe('load the LCD strings');
    expect(matchEscape(vendorEscapes(0x0982, 0x0008), loadLcdStrings())).not.toBeNull();
    expect(vendorEscapes(0x08e6, 0x3437)).toEqual([]);
  });

  it('does not take a command that only starts like it', () => {
    expect(matchEscape(vendorEscapes(0x08e6, 0x3478), loadLcdStrings().subarray(0, 40))).toBeNull();
    expect(matchEscape(vendorEscapes(0x08e6, 0x3478), fromHex('6A'))).toBeNull();
  });

  it('is answered by the firmware with RDR_to_PC_Escape success; GET_FIRMWARE_FEATURES stays unsupported', async () => {
    const reader = createVirtualReader({ descriptor: GEMPC_PINPAD, vendorId: 0x08e6, productId: 0x3478 });
    const answers: Uint8Array[] = [];
    reader.firmware.attach((_endpoint, message) => answers.push(message));
    const escape = async (seq: number, data: Uint8Array): Promise<Uint8Array | undefined> => {
      const header = new Uint8Array(10);
      new DataView(header.buffer).setUint32(1, data.length, true);
      header[0] = 0x6b;
      header[6] = seq;
      reader.firmware.bulkOut(1, Uint8Array.from([...header, ...data]));
      await new Promise((resolve) => setTimeout(resolve, 0));
      return answers.pop();
    };
    // RDR_to_PC_Escape: bStatus bits 7..6 = command status (0 ok, 1 failed), bError (CCID 1.1 §6.2.7).
    const loaded = await escape(0, loadLcdStrings());
    expect([loaded?.[0], (loaded?.[7] ?? 0) >> 6, loaded?.[8]]).toEqual([0x83, 0, 0]);
    const features = await escape(1, fromHex('6A'));
    expect([features?.[0], (features?.[7] ?? 0) >> 6, features?.[8]]).toEqual([0x83, 1, 0]);
    expect(reader.firmware.escapesAnswered).toEqual(['load the LCD strings']);
  });
});
