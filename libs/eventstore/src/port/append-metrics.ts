import { metrics } from '@opentelemetry/api';
import { DuplicateEventError, WrongExpectedRevisionError } from './event-store.port';

// The SDK starts before the services load this module (their main.ts imports the instrumentation first).
const appendDuration = metrics
  .getMeter('journey-eventstore')
  .createHistogram('journey.eventstore.append.duration', {
    description:
      'Time one append to the event store takes, by store and outcome (ok, conflict, duplicate, error)',
    unit: 's',
    advice: {
      explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    },
  });

/** Runs one append and records how long it took and how it ended. */
export async function measuredAppend<T>(
  store: 'postgresql' | 'kurrentdb',
  append: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let outcome = 'error';
  try {
    const result = await append();
    outcome = 'ok';
    return result;
  } catch (err) {
    if (err instanceof WrongExpectedRevisionError) outcome = 'conflict';
    else if (err instanceof DuplicateEventError) outcome = 'duplicate';
    throw err;
  } finally {
    appendDuration.record((performance.now() - started) / 1000, { store, outcome });
  }
}
