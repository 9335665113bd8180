import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Writes one chunk of a streamed answer, waiting while the client reads (backpressure); false once
 * the client has gone. The listeners a wait adds are removed when it ends, so a long download does
 * not pile up `drain`, `close` and `error` listeners on the response.
 */
export async function writeStreamed(out: Writable, chunk: string | Buffer): Promise<boolean> {
  if (out.destroyed) return false;
  if (!out.write(chunk)) {
    const waiting = new AbortController();
    try {
      await Promise.race([
        once(out, 'drain', { signal: waiting.signal }),
        once(out, 'close', { signal: waiting.signal }),
      ]);
    } finally {
      waiting.abort();
    }
  }
  return !out.destroyed;
}
