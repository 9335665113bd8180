import { createHash } from 'node:crypto';
import { KeyedIds } from './keyed-ids';

describe('KeyedIds', () => {
  const ids = new KeyedIds(Buffer.alloc(32, 7));

  it('gives the same UUID for the same parts, in the UUID v8 layout', () => {
    const id = ids.uuid('contact', 'email:li.wei@customer.example');
    expect(id).toBe(ids.uuid('contact', 'email:li.wei@customer.example'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('cannot be computed without the key, and does not mix up how parts are split', () => {
    const other = new KeyedIds(Buffer.alloc(32, 8));
    expect(other.uuid('a', 'b')).not.toBe(ids.uuid('a', 'b'));
    expect(ids.uuid('ab', 'c')).not.toBe(ids.uuid('a', 'bc'));
    expect(ids.digest('email:x@y.example')).not.toContain(
      createHash('sha256').update('email:x@y.example').digest('hex').slice(0, 32),
    );
    expect(ids.digest('x')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a short key', () => {
    expect(() => new KeyedIds(Buffer.alloc(16))).toThrow(/at least 32 bytes/);
  });
});
