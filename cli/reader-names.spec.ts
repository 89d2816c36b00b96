import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vidPid } from '../src/ccid/usb-ids';
import { corpusReaderName } from './reader-names';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CORPUS = join(HERE, '..', '..', 'shared', 'ccid-readers', 'vectors.json');

describe('corpusReaderName', () => {
  it('names the VID:PID QEMU usb-ccid borrows (Gemplus 433-Swap)', () => {
    expect(corpusReaderName(0x08e6, 0x4433)).toBe('Gemplus USB SmartCard Reader 433-Swap');
  });

  it('keeps every distinct name of a VID:PID the corpus holds several times, in corpus order', () => {
    expect(corpusReaderName(0x072f, 0x90cc)).toBe('CCID USB Reader / ACS ACR38 USB Reader / ACS CCID USB Reader');
  });

  it('answers null for a VID:PID the corpus lacks', () => {
    expect(corpusReaderName(0x1209, 0x0001)).toBeNull();
  });
});

describe.runIf(existsSync(CORPUS))('reader-names.json', () => {
  it('is what generate-reader-names.mjs makes from the corpus today', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reader-names-'));
    copyFileSync(join(HERE, 'generate-reader-names.mjs'), join(dir, 'generate-reader-names.mjs'));
    execFileSync(process.execPath, [join(dir, 'generate-reader-names.mjs'), CORPUS], { stdio: 'ignore' });
    expect(readFileSync(join(dir, 'reader-names.json'), 'utf8')).toBe(readFileSync(join(HERE, 'reader-names.json'), 'utf8'));
  });

  it('covers 653 of the 656 VID:PIDs of the 773 corpus entries (3 have no name strings)', () => {
    const corpus = JSON.parse(readFileSync(CORPUS, 'utf8')) as { idVendor: number; idProduct: number }[];
    const ids = new Set(corpus.map((entry) => vidPid(entry.idVendor, entry.idProduct)));
    const named = [...ids].filter((id) => {
      const [vendor = '', product = ''] = id.split(':');
      return corpusReaderName(parseInt(vendor, 16), parseInt(product, 16)) !== null;
    });
    expect([corpus.length, ids.size, named.length]).toEqual([773, 656, 653]);
  });
});
