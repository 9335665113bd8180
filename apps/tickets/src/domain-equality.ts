import { isDeepStrictEqual } from 'node:util';

/**
 * Whether two values hold the same data as stored events hold them: keys in any order (PostgreSQL's jsonb
 * returns them sorted by length, then bytes), undefined properties absent. A decider compares what it is
 * asked with what it folded from the store through this, never through JSON text, whose key order differs
 * between a state built in memory and one read back from the store.
 */
export function sameData(a: unknown, b: unknown): boolean {
  const plain = (value: unknown): unknown =>
    value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  return isDeepStrictEqual(plain(a), plain(b));
}
