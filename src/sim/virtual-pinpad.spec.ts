import { describe, it, expect } from 'vitest';
import { fromHex, toHex } from '../ccid/bytes';
import { decodePinOperation, encodePinModify, encodePinVerify, type PinVerifyStructure } from '../ccid/pin-structures';
import { pinpadQuirk } from '../ccid/pinpad-quirks';
import { completePinApdu, createVirtualPinpad, type PinPrompt, type SecureRequest } from './virtual-pinpad';

const ASCII_4: PinVerifyStructure = {
  timeoutSeconds: 30,
  format: { offsetUnit: 'byte', frameOffset: 0, justification: 'left', coding: 'ascii' },
  block: { lengthFieldBits: 0, sizeBytes: 4 },
  lengthField: { unit: 'bit', position: 0 },
  minDigits: 4,
  maxDigits: 4,
  entryValidation: 0x02,
  numberMessage: 1,
  langId: 0x0409,
  msgIndex: 0,
  teoPrologue: new Uint8Array(3),
  apdu: fromHex('00 20 00 01 04 00 00 00 00'),
};

const verifyOf = (s: PinVerifyStructure) => {
  const data = encodePinVerify(s);
  return { decoded: decodePinOperation(data), apduAt: data.length - s.apdu.length };
};

describe('inserting the PIN where the structure says (PC/SC part 10 §2.5.2)', () => {
  it('ASCII digits at the start of a 4-byte block after Lc', () => {
    const { decoded, apduAt } = verifyOf(ASCII_4);
    expect(completePinApdu(decoded, { pin: '1234' }, apduAt)).toEqual({ apdu: fromHex('00 20 00 01 04 31 32 33 34') });
  });

  it('BCD with a 4-bit length field (ISO 9564 format 2 style): 24 12 34 FF…', () => {
    const { decoded, apduAt } = verifyOf({
      ...ASCII_4,
      format: { offsetUnit: 'byte', frameOffset: 1, justification: 'left', coding: 'bcd' },
      block: { lengthFieldBits: 4, sizeBytes: 8 },
      lengthField: { unit: 'bit', position: 4 },
      maxDigits: 12,
      apdu: fromHex('00 20 00 81 08 20 FF FF FF FF FF FF FF'),
    });
    expect(completePinApdu(decoded, { pin: '1234' }, apduAt)).toEqual({ apdu: fromHex('00 20 00 81 08 24 12 34 FF FF FF FF FF') });
  });

  it('right-justified digits keep the template’s fillers on the left', () => {
    const { decoded, apduAt } = verifyOf({
      ...ASCII_4,
      format: { ...ASCII_4.format, justification: 'right' },
      block: { lengthFieldBits: 0, sizeBytes: 6 },
      minDigits: 4,
      maxDigits: 6,
      apdu: fromHex('00 20 00 01 06 FF FF FF FF FF FF'),
    });
    expect(completePinApdu(decoded, { pin: '1234' }, apduAt)).toEqual({ apdu: fromHex('00 20 00 01 06 FF FF 31 32 33 34') });
  });

  it('current and new PIN at their insertion offsets', () => {
    const data = encodePinModify({
      ...ASCII_4,
      insertionOffsetOld: 0,
      insertionOffsetNew: 4,
      confirmPin: 3,
      numberMessage: 3,
      msgIndexes: [0, 1, 2],
      apdu: fromHex('00 24 00 01 08 00 00 00 00 00 00 00 00'),
    });
    const built = completePinApdu(decodePinOperation(data), { current: '0000', new: '1234', confirm: '1234' }, data.length - 13);
    expect(built).toEqual({ apdu: fromHex('00 24 00 01 08 30 30 30 30 31 32 33 34') });
  });

  it('names the field when the PIN cannot go where the structure says', () => {
    const { decoded, apduAt } = verifyOf({ ...ASCII_4, block: { lengthFieldBits: 0, sizeBytes: 2 } });
    expect(completePinApdu(decoded, { pin: '1234' }, apduAt)).toEqual({ errorAt: 3 }); // bmPINBlockString
    const odd = verifyOf({ ...ASCII_4, apdu: fromHex('00 20 00 01 04 00 00') });
    expect(completePinApdu(odd.decoded, { pin: '1234' }, odd.apduAt)).toEqual({ errorAt: odd.apduAt + 4 }); // Lc
  });
});

describe('the keypad answering PC_to_RDR_Secure', () => {
  const run = (pinpad: ReturnType<typeof createVirtualPinpad>, data: Uint8Array, answer = fromHex('90 00')) => {
    const sent: string[] = [];
    const request: SecureRequest = { data, pinSupport: 3, t1Edc: null, exchange: (bytes) => (sent.push(toHex(bytes)), answer) };
    return { entry: pinpad.secure(request), sent };
  };

  it('takes a correction, ignores digits beyond the maximum, and validates with OK', async () => {
    const pad = createVirtualPinpad(pinpadQuirk(0x076b, 0x3821));
    const shown: (PinPrompt | null)[] = [];
    pad.onPrompt((p) => shown.push(p));
    const { entry, sent } = run(pad, encodePinVerify(ASCII_4));
    for (const key of ['9', '9', 'correction', '1', '2', '3', '4', '5', 'ok'] as const) pad.press(key);
    expect(await entry.answer).toEqual({ data: fromHex('90 00') });
    expect(sent).toEqual(['00 20 00 01 04 31 32 33 34']);
    expect(shown.map((p) => p?.kind ?? null)).toEqual(['pin', null]);
    expect(pad.prompt).toBeNull();
  });

  it('validates on reaching the maximum when bEntryValidationCondition says 01, and ignores OK without 02', async () => {
    const pad = createVirtualPinpad(pinpadQuirk(0x076b, 0x3821));
    const { entry, sent } = run(pad, encodePinVerify({ ...ASCII_4, entryValidation: 0x01 }));
    pad.press('1');
    pad.press('ok');
    expect(pad.digitsEntered).toBe(1);
    for (const key of ['2', '3', '4'] as const) pad.press(key);
    expect(await entry.answer).toEqual({ data: fromHex('90 00') });
    expect(sent).toEqual(['00 20 00 01 04 31 32 33 34']);
  });

  it('reports cancel and timeout as bError EF / F0, or as SW 6401 / 6400 on a reader that says so', async () => {
    const pad = createVirtualPinpad(pinpadQuirk(0, 0));
    pad.cancel();
    expect(await run(pad, encodePinVerify(ASCII_4)).entry.answer).toEqual({ error: 0xef });
    pad.timeout();
    expect(await run(pad, encodePinVerify(ASCII_4)).entry.answer).toEqual({ error: 0xf0 });
    const sw = createVirtualPinpad(pinpadQuirk(0, 0), { refusals: 'status-word' });
    sw.cancel();
    expect(await run(sw, encodePinVerify(ASCII_4)).entry.answer).toEqual({ data: fromHex('64 01') });
    sw.timeout();
    expect(await run(sw, encodePinVerify(ASCII_4)).entry.answer).toEqual({ data: fromHex('64 00') });
  });

  it('answers SW 6403 for a PIN of the wrong length and 6402 for a confirmation that differs, without the card', async () => {
    const pad = createVirtualPinpad(pinpadQuirk(0, 0));
    pad.enter('123');
    const short = run(pad, encodePinVerify(ASCII_4));
    expect(await short.entry.answer).toEqual({ data: fromHex('64 03') });
    const modify = encodePinModify({ ...ASCII_4, insertionOffsetOld: 0, insertionOffsetNew: 0, confirmPin: 1, numberMessage: 2, msgIndexes: [1, 2, 0] });
    pad.enter('1234');
    pad.enter('1235');
    const differ = run(pad, modify);
    expect(await differ.entry.answer).toEqual({ data: fromHex('64 02') });
    expect([...short.sent, ...differ.sent]).toEqual([]);
  });

  it('refuses a bad structure before any prompt: bError = 10 + the field’s offset', async () => {
    const pad = createVirtualPinpad(pinpadQuirk(0x08e6, 0x3478)); // GemPC Pinpad: bNumberMessage 01 only
    expect(await run(pad, encodePinVerify({ ...ASCII_4, numberMessage: 0xff })).entry.answer).toEqual({ error: 18 });
    const bad = encodePinVerify(ASCII_4);
    bad[2] = 0x83; // coding RFU
    expect(await run(pad, bad).entry.answer).toEqual({ error: 12 });
    expect(await run(pad, encodePinVerify({ ...ASCII_4, apdu: fromHex('00 20 00 01 05 00 00 00 00') })).entry.answer).toEqual({ error: 10 + 15 + 4 });
    expect(pad.prompts).toEqual([]);
  });

  it('says "not supported" for an operation bPINSupport does not announce, and ends silently when aborted', async () => {
    const pad = createVirtualPinpad(pinpadQuirk(0, 0));
    const data = encodePinVerify(ASCII_4);
    expect(await pad.secure({ data, pinSupport: 2, t1Edc: null, exchange: () => null }).answer).toEqual({ error: 0x00 });
    const { entry } = run(pad, data);
    expect(pad.prompt?.kind).toBe('pin');
    entry.abort();
    expect(await entry.answer).toEqual({ error: 0xff });
    expect(pad.prompt).toBeNull();
  });

  it('sends an I-block with the host’s NAD and PCB, LEN and EDC on a TPDU T=1 reader', async () => {
    const pad = createVirtualPinpad(pinpadQuirk(0, 0));
    pad.enter('1234');
    const sent: string[] = [];
    const data = encodePinVerify({ ...ASCII_4, teoPrologue: fromHex('00 40 00') });
    const answer = await pad.secure({ data, pinSupport: 1, t1Edc: 'lrc', exchange: (b) => (sent.push(toHex(b)), fromHex('00 40 02 90 00 D2')) }).answer;
    expect(answer).toEqual({ data: fromHex('00 40 02 90 00 D2') });
    expect(sent).toEqual(['00 40 09 00 20 00 01 04 31 32 33 34 68']);
    const chained = encodePinVerify({ ...ASCII_4, teoPrologue: fromHex('00 60 00') });
    expect(await pad.secure({ data: chained, pinSupport: 1, t1Edc: 'lrc', exchange: () => null }).answer).toEqual({ error: 10 + 13 });
  });
});
