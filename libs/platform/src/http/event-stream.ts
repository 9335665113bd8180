import { HttpException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RELEASE_ADMISSION } from './admission.middleware';

export interface EventStreamOptions {
  /** How often the source is asked what changed (ms). */
  intervalMs: number;
  /** A comment line this often keeps proxies from closing an idle stream (ms). */
  heartbeatMs?: number;
  /** Who opens the stream (a token's subject): each holds at most `maxPerKey` at once. */
  key: string;
}

/** One server-sent event: its name and JSON data. */
export interface StreamEvent {
  event: string;
  data: unknown;
}

export interface EventStreamLimits {
  /** Streams one process serves at once (past it, 503). */
  max: number;
  /** Streams one caller holds at once (past it, 429). */
  maxPerKey: number;
  /**
   * How long a stream lasts before the server ends it (ms); the client opens the next one with its
   * current token, so a stream never outlives a token's expiry by more than this.
   */
  maxDurationMs: number;
  /** A client this far behind (bytes not yet taken) is cut off: a half-open socket must not grow memory. */
  maxBufferedBytes: number;
  /** A poll that has not answered after this long tells the client its data is stale (ms). */
  staleAfterMs: number;
}

/** After this many failed polls in a row the client is told its data is stale (event `stale`). */
const FAILURES_BEFORE_STALE = 3;

/**
 * Server-sent event streams, each polling a read model. A stream holds no admission place (it gives it
 * back once its headers are sent), but the process holds at most `max` and each caller `maxPerKey`.
 */
export class EventStreams {
  private readonly open = new Set<() => void>();
  private readonly perKey = new Map<string, number>();

  constructor(private readonly limits: EventStreamLimits) {}

  get size(): number {
    return this.open.size;
  }

  /** Ends every stream (at shutdown: an open stream would keep the HTTP server from closing). */
  closeAll(): void {
    for (const stop of [...this.open]) stop();
  }

  /**
   * Answers `text/event-stream` and, every interval until the client goes, sends what `poll` returns
   * (nothing when it returns no events). A poll that throws (a read-model store blip) is tried again at
   * the next interval. After three failures in a row, or a poll still unanswered after `staleAfterMs`,
   * the client gets `stale` once, and `fresh` when a poll succeeds again.
   */
  serve(req: Request, res: Response, poll: () => Promise<StreamEvent[]>, options: EventStreamOptions): void {
    // The client may have gone while the guards ran: its close event is past, so nothing would stop it.
    if (req.destroyed || res.destroyed || !res.socket || res.socket.destroyed) return;
    if (this.open.size >= this.limits.max)
      throw new ServiceUnavailableException(
        `too many live streams on this replica (${this.limits.max}); retry later`,
      );
    const held = this.perKey.get(options.key) ?? 0;
    if (held >= this.limits.maxPerKey)
      throw new HttpException(
        `at most ${this.limits.maxPerKey} live streams at once per user; close one first`,
        HttpStatus.TOO_MANY_REQUESTS,
      );

    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (closed) return;
      closed = true;
      this.open.delete(stop);
      const left = (this.perKey.get(options.key) ?? 1) - 1;
      if (left > 0) this.perKey.set(options.key, left);
      else this.perKey.delete(options.key);
      if (timer) clearTimeout(timer);
      clearTimeout(lifetime);
      if (!res.writableEnded) res.end();
    };
    this.open.add(stop);
    this.perKey.set(options.key, held + 1);
    const lifetime = setTimeout(stop, this.limits.maxDurationMs);
    req.on('close', stop);
    res.on('close', stop);

    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx (the ingress) must not buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.socket?.setKeepAlive(true, 30_000);
    (res.locals[RELEASE_ADMISSION] as (() => void) | undefined)?.();
    res.write('retry: 2000\n\n');

    let lastWrite = Date.now();
    let failures = 0;
    /** Whether the client was told its data is stale (and is owed `fresh`). */
    let stale = false;
    const heartbeatMs = options.heartbeatMs ?? 15_000;
    const write = (text: string) => {
      res.write(text);
      lastWrite = Date.now();
      if (res.writableLength > this.limits.maxBufferedBytes) stop();
    };
    const markStale = () => {
      if (stale || closed) return;
      stale = true;
      write(`event: stale\ndata: ${JSON.stringify({ failures })}\n\n`);
    };
    const tick = async () => {
      if (closed) return;
      if (res.destroyed || res.writableEnded) return stop();
      // A store that does not answer (paused, partitioned) fails no poll: a poll this slow counts too.
      const slow = setTimeout(markStale, this.limits.staleAfterMs);
      try {
        const events = await poll();
        failures = 0;
        if (stale && !closed) write('event: fresh\ndata: {}\n\n');
        stale = false;
        for (const e of events) if (!closed) write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
      } catch {
        failures += 1;
        if (failures >= FAILURES_BEFORE_STALE) markStale();
      } finally {
        clearTimeout(slow);
      }
      if (!closed && Date.now() - lastWrite >= heartbeatMs) write(': keep-alive\n\n');
      if (!closed) timer = setTimeout(() => void tick(), options.intervalMs);
    };
    void tick();
  }
}
