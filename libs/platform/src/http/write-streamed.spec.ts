import { PassThrough } from 'node:stream';
import { writeStreamed } from './write-streamed';

describe('writeStreamed', () => {
  it('waits for the reader and leaves no listener behind, however many times it waits', async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    const reading = (async () => {
      let bytes = 0;
      for await (const chunk of out) bytes += (chunk as Buffer).length;
      return bytes;
    })();
    // The reader's own listeners are there from now on.
    const before = { close: out.listenerCount('close'), error: out.listenerCount('error') };
    for (let i = 0; i < 50; i++) expect(await writeStreamed(out, 'twelve bytes')).toBe(true);
    expect({ close: out.listenerCount('close'), error: out.listenerCount('error') }).toEqual(before);
    expect(out.listenerCount('drain')).toBe(0);
    out.end();
    expect(await reading).toBe(50 * 12);
  });

  it('says false once the client has gone', async () => {
    const out = new PassThrough({ highWaterMark: 4 });
    const waiting = writeStreamed(out, 'more than four bytes');
    out.destroy();
    expect(await waiting).toBe(false);
    expect(await writeStreamed(out, 'x')).toBe(false);
  });
});
