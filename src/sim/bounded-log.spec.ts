import { describe, it, expect } from 'vitest';
import { recorder } from './bounded-log';

describe('recorder', () => {
  it('keeps the last entries only', () => {
    const list: number[] = [];
    const record = recorder(list, 3);
    for (let i = 1; i <= 5; i++) record(i);
    expect(list).toEqual([3, 4, 5]);
  });
});
