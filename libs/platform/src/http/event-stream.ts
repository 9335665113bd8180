import { ServiceUnavailableException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RELEASE_ADMISSION } from './admission.middleware';

export interface EventStreamOptions {
  /** How often the source is asked what changed (ms). */
  intervalMs: number;
  /** A comment line this often keeps proxies from closing an idle stream (ms). */
  heartbeatMs?: number;
}

/** One server-sent event: its name and JSON data. */
export interface StreamEvent {
  event: string;
  data: unknown;
}

/**
 * Streams at most `max` server-sent event streams at once (past it, 503), each polling a read model.
 * A stream does not hold an admission place: it gives it back once its headers are sent.
 */
export class EventStreams {
  private open = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.open;
  }

  /**
   * Answers `text/event-stream` and, every interval until the client goes, sends what `poll` returns
   * (nothing when it returns no events). A poll that throws (a read-model store blip) is tried again at
   * the next interval; the client sees no error, only a later event.
   */
  serve(req: Request, res: Response, poll: () => Promise<StreamEvent[]>, options: EventStreamOptions): void {
    if (this.open >= this.max)
      throw new ServiceUnavailableException(
        `too many live streams on this replica (${this.max}); retry later`,
      );
    this.open += 1;
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx (the ingress) must not buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    (res.locals[RELEASE_ADMISSION] as (() => void) | undefined)?.();
    res.write('retry: 2000\n\n');

    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let lastWrite = Date.now();
    const heartbeatMs = options.heartbeatMs ?? 15_000;
    const stop = () => {
      if (closed) return;
      closed = true;
      this.open -= 1;
      if (timer) clearTimeout(timer);
    };
    req.on('close', stop);
    res.on('close', stop);
    const tick = async () => {
      if (closed) return;
      try {
        for (const e of await poll()) {
          res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
          lastWrite = Date.now();
        }
      } catch {
        // the next tick tries again
      }
      if (!closed && Date.now() - lastWrite >= heartbeatMs) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
      if (!closed) timer = setTimeout(() => void tick(), options.intervalMs);
    };
    void tick();
  }
}
