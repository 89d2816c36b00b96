import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PINPAD_QUIRKS, pinpadQuirk, pinStructureLayout, quirkKey } from './pinpad-quirks';

interface Vector {
  readonly file: string;
  readonly idVendor: number;
  readonly idProduct: number;
  readonly decoded: Readonly<Record<string, number | string>>;
}
const shared = process.env['ECARD_SHARED_DIR'] ?? resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'shared');
const corpus = JSON.parse(readFileSync(resolve(shared, 'ccid-readers/vectors.json'), 'utf8')) as Vector[];

describe('PIN pad quirks keyed by VID:PID', () => {
  it('writes keys as upper-case VVVV:PPPP, or VVVV:* for a vendor', () => {
    expect(quirkKey(0x08e6, 0x3478)).toBe('08E6:3478');
    expect(quirkKey(0x08e6, '*')).toBe('08E6:*');
    for (const key of PINPAD_QUIRKS.keys()) expect(key).toMatch(/^[0-9A-F]{4}:([0-9A-F]{4}|\*)$/);
  });

  it('lays the product row over the vendor row (GemPC Pinpad: Gemalto layout + its own verify rules)', () => {
    const gempc = pinpadQuirk(0x08e6, 0x3478);
    expect(gempc).toMatchObject({ modifyMessageIndexes: 'always-three', verifyNumberMessage: 1, entryValidation: 2 });
    expect(pinStructureLayout(gempc)).toEqual({ minMaxSwapped: false, modifyMessageIndexes: 'always-three' });
    expect(pinpadQuirk(0x08e6, 0x34c2)).toMatchObject({ modifyMessageIndexes: 'always-three' });
    expect(pinpadQuirk(0x08e6, 0x34c2).verifyNumberMessage).toBeUndefined();
  });

  it('knows nothing of a reader without a row', () => {
    expect(pinpadQuirk(0x076b, 0x3821)).toEqual({ reader: '', source: '' });
    expect(pinStructureLayout(pinpadQuirk(0x076b, 0x3821))).toEqual({ minMaxSwapped: false, modifyMessageIndexes: 'ccid' });
  });

  it('cites libccid in every row', () => {
    for (const row of PINPAD_QUIRKS.values()) expect(row.source).toMatch(/^libccid src\/(commands|ccid)\.c/);
  });

  it('matches corpus readers that announce a PIN pad: 24 of 98 have a row, 9 of them a PIN pad that must not be used', () => {
    const pinpads = corpus.filter((v) => Number(v.decoded['bPINSupport']) !== 0);
    const withRow = pinpads.filter((v) => PINPAD_QUIRKS.has(quirkKey(v.idVendor, v.idProduct)) || PINPAD_QUIRKS.has(quirkKey(v.idVendor, '*')));
    const unusable = withRow.filter((v) => pinpadQuirk(v.idVendor, v.idProduct).pinpad);
    expect(pinpads).toHaveLength(98);
    expect(withRow).toHaveLength(24);
    expect(unusable.map((v) => v.file).sort()).toEqual([
      'Cherry_SmartTerminal_1144.txt',
      'Cherry_SmartTerminal_XX44.txt',
      'FujitsuTechnologySolutions_SmartCase_KB_SCR_eSIG.txt',
      'Fujitsu_Smartcard_Reader_D323.txt',
      'Generic_USB_Smart_Card_Reader.txt',
      'HID_Aviator.txt',
      'HPUSBSmartCardKeyboard.txt',
      'HP_kus-0133.txt',
      'LTC31v2.txt',
    ]);
  });
});
