/**
 * Tells subscriptions that this process appended: a counter (so a wait started after an append it has
 * not read yet returns at once) and the waiters to wake. Appends by other processes are found by polling.
 */
export class AppendSignal {
  private count = 0;
  private readonly waiters = new Set<() => void>();

  /** Appends so far; a subscription takes it before each read. */
  get seen(): number {
    return this.count;
  }

  notify(): void {
    this.count += 1;
    this.release();
  }

  /** Resolves at once if something was appended since `seen`, else at the next append or after `timeoutMs`. */
  wait(seen: number, timeoutMs: number): Promise<void> {
    if (this.count !== seen) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs).unref();
      this.waiters.add(wake);
    });
  }

  /** Wakes every waiter (on append, and when the store closes). */
  release(): void {
    [...this.waiters].forEach((wake) => wake());
  }
}
