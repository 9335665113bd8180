/**
 * Telling a passing fault of the infrastructure (a database restarting, a broker election, a dropped
 * connection) from a failure that would happen again with the same input. The first is waited out;
 * only the second may be dead-lettered or answered with a 4xx/500.
 */

// Node's socket and DNS errors.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

// PostgreSQL SQLSTATEs: class 08 (connection), 53 (insufficient resources), 57P01-03 (shutdown, crash,
// cannot connect now), 40001/40P01 (serialisation failure, deadlock), 55P03 (lock not available),
// 57014 (statement timeout or cancel), 25006 (read-only transaction: a replica promoted mid-failover).
const PG_TRANSIENT = /^(08...|53...|57P0[123]|40001|40P01|55P03|57014|25006)$/;

// MongoDB server codes: host unreachable or not found, network timeout, shutdown in progress, primary
// stepped down / not primary, interrupted by a replica-set change, exceeded time limit, socket error.
const MONGO_TRANSIENT_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
const MONGO_TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
]);

// kafkajs marks retriable protocol errors; these client-side errors are about reaching the broker.
const KAFKA_TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
]);

// What pg and the drivers say when a connection went away, without a code.
const TRANSIENT_MESSAGES =
  /connection terminated|terminating connection|timeout exceeded when trying to connect|not queryable|the database system is (starting up|shutting down|in recovery mode)|not primary|not master|connection .*closed|socket hang up|server selection timed out/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  transient?: unknown;
  retriable?: unknown;
  errorLabels?: unknown;
  cause?: unknown;
  errors?: unknown;
  originalError?: unknown;
}

/**
 * True when the error is a passing fault of the database, the broker or the network, so that trying
 * the same work again later can succeed. An error may decide for itself with a boolean `transient`
 * (e.g. a partner's refusal that the caller wants counted as a failed attempt, not waited out).
 */
export function isTransientError(err: unknown, depth = 0): boolean {
  if (depth > 5 || err === null || typeof err !== 'object') return false;
  const e = err as ErrorLike;
  if (typeof e.transient === 'boolean') return e.transient;
  const name = typeof e.name === 'string' ? e.name : '';
  const code = e.code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_TRANSIENT.test(code))) return true;
  if (typeof code === 'number' && name.startsWith('Mongo') && MONGO_TRANSIENT_CODES.has(code)) return true;
  if (MONGO_TRANSIENT_NAMES.has(name) || KAFKA_TRANSIENT_NAMES.has(name)) return true;
  if (name.startsWith('KafkaJS') && e.retriable === true) return true;
  if (
    Array.isArray(e.errorLabels) &&
    e.errorLabels.some(
      (l) => l === 'RetryableWriteError' || l === 'TransientTransactionError' || l === 'ResetPool',
    )
  )
    return true;
  if (name === 'TimeoutError' || name === 'AbortError') return true;
  if (typeof e.message === 'string' && TRANSIENT_MESSAGES.test(e.message)) return true;
  const nested = [e.cause, e.originalError, ...(Array.isArray(e.errors) ? e.errors : [])];
  return nested.some((n) => isTransientError(n, depth + 1));
}

/** A failure that waiting will not cure, whatever the error beneath it says (e.g. a partner refused). */
export class PermanentFailure extends Error {
  override name = 'PermanentFailure';
  readonly transient = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The wait before the next try after `attempt` passing faults: 200 ms doubling, capped at 30 s. */
export const transientBackoff = (attempt: number): number => Math.min(30_000, 200 * 2 ** (attempt - 1));

export interface WaitOutOptions {
  /** The wait after `attempt` faults (default `transientBackoff`). */
  delayMs?(attempt: number): number;
  /**
   * Waits `ms` before the next try; resolves false to give up (the caller is stopping). The default
   * sleeps, ending early when `signal` aborts.
   */
  pause?(ms: number): Promise<boolean>;
  signal?: AbortSignal;
  /** Gives up after this many tries (default: waits for as long as the fault lasts). */
  maxAttempts?: number;
  /** Told of each passing fault before the wait (a stall to report, a counter). */
  onFault?(err: unknown, attempt: number): void;
}

function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (goOn: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      resolve(goOn);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * Runs an infrastructure operation, trying again with backoff while it fails with a passing fault
 * (`isTransientError`). It throws the operation's error when that error is not transient, when
 * `maxAttempts` tries have failed, or when the wait is given up (`pause` resolving false, `signal`
 * aborted): the caller tells these apart by the error and by its own state.
 */
export async function waitOutTransient<T>(
  operation: () => Promise<T>,
  options: WaitOutOptions = {},
): Promise<T> {
  const delay = options.delayMs ?? transientBackoff;
  const pause = options.pause ?? ((ms: number) => sleepUnlessAborted(ms, options.signal));
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (!isTransientError(err) || options.signal?.aborted) throw err;
      if (options.maxAttempts !== undefined && attempt >= options.maxAttempts) throw err;
      options.onFault?.(err, attempt);
      if (!(await pause(delay(attempt)))) throw err;
    }
  }
}
