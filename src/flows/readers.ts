/** Which reader a flow runs on: exactly one must be connected (-9 none, -10 several). */
import { outcomeOf, type Outcome } from '../card';

export function theOnlyReader<T>(readers: readonly T[]): T | Outcome {
  if (readers.length === 0) return outcomeOf('reader-not-connected');
  if (readers.length > 1) return outcomeOf('several-readers');
  return readers[0] as T;
}
