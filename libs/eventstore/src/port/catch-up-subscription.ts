import type { AppendSignal } from './append-signal';
import type { LogPosition } from './log-position';
import type { ReadAllOptions, RecordedEvent, Subscription, SubscriptionOptions } from './event-store.port';

export interface CatchUpSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Wakes the subscription when this process appends; other appends are found on the poll interval. */
  appended: AppendSignal;
}

/**
 * A catch-up subscription over any source that can read the global log after a position: reads in
 * batches until the end, then waits for appends (with a poll interval as a safety net).
 */
export function catchUpSubscription(
  source: CatchUpSource,
  options: SubscriptionOptions,
  pollIntervalMs = 1_000,
): Subscription {
  const batchSize = options.batchSize ?? 500;
  let stopped = false;
  let interrupt: () => void = () => undefined;
  const stopping = new Promise<void>((resolve) => (interrupt = resolve));
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));

  const loop = async () => {
    let after: LogPosition = options.after;
    while (!stopped) {
      const seen = source.appended.seen;
      const events = await source.readAll({
        after,
        maxCount: batchSize,
        ...(options.streamPrefixes ? { streamPrefixes: options.streamPrefixes } : {}),
      });
      if (stopped) break;
      if (events.length > 0) {
        await options.onBatch(events);
        after = (events[events.length - 1] as RecordedEvent).position;
      }
      if (events.length < batchSize) {
        markCaughtUp();
        await Promise.race([source.appended.wait(seen, pollIntervalMs), stopping]);
      }
    }
  };
  const running = loop().catch((err: unknown) => {
    stopped = true;
    options.onError?.(err);
  });
  return {
    caughtUp,
    stop: async () => {
      stopped = true;
      interrupt();
      await running;
    },
  };
}
