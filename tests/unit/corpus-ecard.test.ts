import { describe, it, expect } from 'vitest';
import { CardNotSupportedError, CcidReader, UnsupportedReaderError, fromHex, toHex } from '../../src/ccid';
import { readerVectors, type ReaderVector } from '../support/corpus';
import { virtualReaderFrom } from '../support/readers';
import { ecardLikeCard, SELECT_ECARD, TRIES_LEFT } from '../support/ecard-like';

type Outcome = 'ok' | 'card not supported' | 'reader not supported';

describe('the eCard in every reader of the corpus', () => {
  it('connects, powers, sets up the protocol, selects and reads tries left — or says it cannot', async () => {
    const table: Record<string, Record<Outcome, number>> = {};
    const cannot: ReaderVector[] = [];
    for (const vector of readerVectors()) {
      const virtual = virtualReaderFrom(vector);
      virtual.insert(ecardLikeCard());
      const reader = await CcidReader.open(virtual.device);
      const slot = reader.slots[0]!;
      let outcome: Outcome;
      try {
        await slot.powerOn();
        expect(toHex(await slot.transmit(fromHex(SELECT_ECARD))), vector.file).toBe('90 00');
        expect(toHex(await slot.transmit(fromHex(TRIES_LEFT))), vector.file).toBe('63 C5');
        outcome = 'ok';
      } catch (error) {
        if (error instanceof CardNotSupportedError) {
          outcome = 'card not supported';
          cannot.push(vector);
        }
        else if (error instanceof UnsupportedReaderError) outcome = 'reader not supported';
        else throw new Error(`${vector.file}: ${String(error)}`, { cause: error });
      }
      expect(virtual.violations(), vector.file).toEqual([]);
      await reader.close();
      const level = String(vector.decoded['exchangeLevel']);
      table[level] ??= { ok: 0, 'card not supported': 0, 'reader not supported': 0 };
      table[level][outcome]++;
    }
    console.table(table);
    const total = Object.values(table).reduce((n, row) => n + row.ok + row['card not supported'] + row['reader not supported'], 0);
    expect(total).toBe(773);
    expect(table['character']).toEqual({ ok: 0, 'card not supported': 0, 'reader not supported': 6 });
    // A reader fails only where it truly cannot: it offers no T=1 (the eCard is T=1 only).
    for (const vector of cannot) expect(Number(vector.decoded['dwProtocols']) & 2, vector.file).toBe(0);
    expect(cannot).toHaveLength(table['tpdu']!['card not supported'] + table['shortApdu']!['card not supported'] + table['extendedApdu']!['card not supported']);
  }, 120_000);
});
