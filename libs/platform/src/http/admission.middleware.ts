import { monitorEventLoopDelay } from 'node:perf_hooks';
import { metrics } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { bodyOf } from './error-answer';

/** res.locals key of a function that gives an admitted request's place back before it ends. */
export const RELEASE_ADMISSION = 'journeyReleaseAdmission';

/** How long a client turned away for load should wait before it sends again. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 1;

export interface AdmissionLimits {
  /** Requests one process works on at once; the next is answered 503 at once instead of queueing. */
  maxInFlight: number;
  /**
   * The event loop's mean delay (ms) over the last sample above which new requests are answered 503 (a
   * process so busy that what it admits waits behind it); 0 turns the check off.
   */
  maxEventLoopDelayMs: number;
  /**
   * How long an admitted request may take to send its whole body; past it, 408 and the connection closes
   * (a client trickling bytes must not hold a place for minutes).
   */
  bodyTimeoutMs: number;
}

export type ShedReason = 'in-flight' | 'event-loop-delay';

/** Prometheus' scrape and the probes are never turned away: an overloaded process must still be seen. */
const ALWAYS_ADMITTED = /^\/(metrics|health)(\/|$)/;
const SAMPLE_MS = 250;
/** The delay monitor's timer period: an idle loop's mean delay is about this, so it is not counted. */
const RESOLUTION_MS = 10;
/** A body up to this size is read and dropped after a 503, so the connection stays usable. */
const DRAINED_BODY_MAX = 1024 * 1024;

const shed = metrics.getMeter('journey-platform').createCounter('journey.http.shed', {
  description: 'HTTP requests answered 503 at once because the process was at its admission limit, by reason',
});

export interface AdmissionControl {
  (req: Request, res: Response, next: NextFunction): void;
  /** Requests admitted and not yet answered. */
  readonly inFlight: number;
  /** Stops sampling the event loop (at shutdown). */
  stop(): void;
}

/**
 * Load shedding at the door: past `maxInFlight` requests under way (or with the event loop too late), a
 * request is answered 503 with Retry-After before its body is read, so that an overloaded process keeps
 * answering what it admitted in bounded time — and its /metrics and probes — instead of queueing every
 * request for tens of seconds. Webhook providers and the API's clients retry a 503.
 */
export function admissionControl(limits: AdmissionLimits): AdmissionControl {
  let inFlight = 0;
  let late = false;
  const delay =
    limits.maxEventLoopDelayMs > 0 ? monitorEventLoopDelay({ resolution: RESOLUTION_MS }) : undefined;
  let sampler: NodeJS.Timeout | undefined;
  if (delay) {
    delay.enable();
    sampler = setInterval(() => {
      late = delay.count > 0 && delay.mean / 1e6 - RESOLUTION_MS > limits.maxEventLoopDelayMs;
      delay.reset();
    }, SAMPLE_MS).unref();
  }
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    if (ALWAYS_ADMITTED.test(req.path)) return next();
    const reason: ShedReason | undefined =
      inFlight >= limits.maxInFlight ? 'in-flight' : late ? 'event-loop-delay' : undefined;
    if (reason) {
      shed.add(1, { reason });
      res.locals['shed'] = reason;
      // A small body is read and dropped (no parsing), so the client gets the answer on a usable
      // connection; past that, or of unknown length, the connection closes after the answer.
      const length = Number(req.headers['content-length'] ?? Number.NaN);
      if (length <= DRAINED_BODY_MAX) req.resume();
      else res.set('Connection', 'close');
      res
        .status(503)
        .set({ 'Retry-After': String(OVERLOAD_RETRY_AFTER_SECONDS) })
        .json(
          bodyOf(
            503,
            `the service is at its load limit (${reason}); retry after ${OVERLOAD_RETRY_AFTER_SECONDS} s`,
          ),
        );
      return;
    }
    inFlight += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight -= 1;
    };
    res.on('finish', release);
    res.on('close', release);
    // A long-lived answer (a server-sent event stream) gives its place back once it has started.
    res.locals[RELEASE_ADMISSION] = release;
    if (!req.complete) {
      const timer = setTimeout(() => {
        if (req.complete || res.headersSent) return;
        res
          .status(408)
          .set('Connection', 'close')
          .json(bodyOf(408, `the request's body did not arrive within ${limits.bodyTimeoutMs} ms`));
      }, limits.bodyTimeoutMs).unref();
      const stop = () => clearTimeout(timer);
      req.once('end', stop);
      res.once('close', stop);
    }
    next();
  };
  return Object.defineProperties(middleware, {
    inFlight: { get: () => inFlight },
    stop: {
      value: () => {
        if (sampler) clearInterval(sampler);
        delay?.disable();
      },
    },
  }) as AdmissionControl;
}
