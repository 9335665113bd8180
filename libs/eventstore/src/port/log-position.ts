/**
 * A place in the store's global log. Two numbers, compared in order: for PostgreSQL the committing
 * transaction id and the event's sequence number; for KurrentDB its commit and prepare positions.
 */
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Before the first event: reading "after START" reads everything. */
export const START: LogPosition = Object.freeze({ commit: 0n, prepare: 0n });

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** `commit:prepare`, the form checkpoints are stored in. */
export function formatPosition(position: LogPosition): string {
  return `${position.commit}:${position.prepare}`;
}

export function parsePosition(text: string): LogPosition {
  const match = /^(\d+):(\d+)$/.exec(text.trim());
  if (!match?.[1] || !match[2]) throw new Error(`"${text}" is not a log position (expected commit:prepare)`);
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
}
