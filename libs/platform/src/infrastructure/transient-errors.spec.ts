import { waitOutTransient } from './transient-errors';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:15432'), { code: 'ECONNREFUSED' });
const noWait = { delayMs: () => 0 };

/** An operation that fails with the given errors, in turn, then answers 'done'. */
function failing(...errors: Error[]) {
  let calls = 0;
  const operation = async () => {
    const err = errors[calls++];
    if (err) throw err;
    return 'done';
  };
  return { operation, calls: () => calls };
}

describe('waitOutTransient', () => {
  it('tries again while the fault passes, telling of each, then answers', async () => {
    const { operation, calls } = failing(refused(), refused(), refused());
    const faults: number[] = [];
    const waits: number[] = [];
    const result = await waitOutTransient(operation, {
      pause: async (ms) => (waits.push(ms), true),
      onFault: (_err, attempt) => faults.push(attempt),
    });
    expect(result).toBe('done');
    expect(calls()).toBe(4);
    expect(faults).toEqual([1, 2, 3]);
    expect(waits).toEqual([200, 400, 800]); // the default backoff: 200 ms doubling
  });

  it('throws a failure that waiting will not cure at once', async () => {
    const { operation, calls } = failing(new TypeError('Cannot read properties of undefined'));
    await expect(waitOutTransient(operation, noWait)).rejects.toThrow(TypeError);
    expect(calls()).toBe(1);
  });

  it('gives up after maxAttempts, with the last fault', async () => {
    const { operation, calls } = failing(refused(), refused(), refused());
    await expect(waitOutTransient(operation, { ...noWait, maxAttempts: 2 })).rejects.toThrow(/ECONNREFUSED/);
    expect(calls()).toBe(2);
  });

  it('gives up when the wait is refused (the caller stopping)', async () => {
    const { operation, calls } = failing(refused(), refused());
    await expect(waitOutTransient(operation, { pause: async () => false })).rejects.toThrow(/ECONNREFUSED/);
    expect(calls()).toBe(1);
  });

  it('ends its wait when the signal aborts, without waiting the backoff out', async () => {
    const abort = new AbortController();
    const { operation, calls } = failing(refused(), refused());
    const waiting = waitOutTransient(operation, { signal: abort.signal, delayMs: () => 3_600_000 });
    await new Promise((r) => setImmediate(r));
    abort.abort();
    await expect(waiting).rejects.toThrow(/ECONNREFUSED/);
    expect(calls()).toBe(1);
  });
});
