export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * For processes that run consumers or a relay outside Nest: on SIGTERM or SIGINT, stop each (so the
 * batch in hand finishes and its offsets are committed), then exit 0; a second signal exits at once.
 */
export function stopOnSignals(
  stoppables: Stoppable[],
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    stopping = true;
    void Promise.allSettled(stoppables.map((s) => s.stop())).then((results) => {
      process.exit(results.some((r) => r.status === 'rejected') ? 1 : 0);
    });
  };
  for (const signal of signals) process.on(signal, onSignal);
}
