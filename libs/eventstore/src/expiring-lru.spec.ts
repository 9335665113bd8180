import { ExpiringLru } from './expiring-lru';

describe('an expiring LRU', () => {
  it('gives a value while fresh, evicts the least recently used, and sweeps what expired unasked', () => {
    let clock = 0;
    const lru = new ExpiringLru<string>(2, 1_000, () => clock);
    lru.set('a', 'A');
    lru.set('b', 'B');
    expect(lru.get('a')).toBe('A');
    lru.set('c', 'C');
    expect([lru.peek('a'), lru.peek('b'), lru.peek('c')]).toEqual(['A', undefined, 'C']);
    clock = 1_001;
    expect(lru.get('a')).toBeUndefined();
    // 'c' expired too, and goes with the next store even though nobody asked for it.
    lru.set('d', 'D');
    expect(lru.size).toBe(1);
    expect(lru.get('d')).toBe('D');
  });
});
