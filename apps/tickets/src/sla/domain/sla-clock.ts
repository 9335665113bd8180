import { addBusinessSeconds, ALWAYS_OPEN, businessSecondsBetween } from '@journey/contracts';
import type { Calendar, SlaMetric } from '@journey/contracts';

/**
 * One SLA clock of a ticket: how much open time it has run in its cycle, and, while it runs, when it
 * warns and breaches. Times are ISO strings so that the state folds from events alone.
 */
export interface SlaClock {
  metric: SlaMetric;
  cycle: number;
  state: 'running' | 'paused' | 'achieved' | 'stopped';
  elapsedSeconds: number;
  targetMinutes: number;
  /** While running: since when (elapsedSeconds counts up to here). */
  runningSince?: string;
  dueAt?: string;
  warnAt?: string;
}

const ms = (iso: string) => new Date(iso);

/** dueAt and warnAt of a running clock, from what it has used and what is left. */
function schedule(clock: SlaClock, cal: Calendar, warnBeforeMinutes: number): SlaClock {
  if (clock.state !== 'running' || !clock.runningSince) {
    const { dueAt: _d, warnAt: _w, ...rest } = clock;
    return rest;
  }
  const left = clock.targetMinutes * 60 - clock.elapsedSeconds;
  const since = ms(clock.runningSince);
  const dueAt = addBusinessSeconds(since, Math.max(0, left), cal).toISOString();
  const warnLeft = left - warnBeforeMinutes * 60;
  const warnAt =
    warnBeforeMinutes > 0 && warnLeft > 0
      ? addBusinessSeconds(since, warnLeft, cal).toISOString()
      : undefined;
  return { ...clock, dueAt, ...(warnAt ? { warnAt } : {}) };
}

export interface ClockContext {
  now: string;
  calendar: Calendar | undefined;
  warnBeforeMinutes: number;
}

/** A new clock for a cycle, running from `now`. */
export function startClock(
  metric: SlaMetric,
  cycle: number,
  targetMinutes: number,
  ctx: ClockContext,
): SlaClock {
  return schedule(
    { metric, cycle, state: 'running', elapsedSeconds: 0, targetMinutes, runningSince: ctx.now },
    ctx.calendar ?? ALWAYS_OPEN,
    ctx.warnBeforeMinutes,
  );
}

/** The clock with the open time since it last (re)started added up, no longer running. */
function settle(clock: SlaClock, ctx: ClockContext): SlaClock {
  if (clock.state !== 'running' || !clock.runningSince) return clock;
  const ran = businessSecondsBetween(ms(clock.runningSince), ms(ctx.now), ctx.calendar ?? ALWAYS_OPEN);
  const { runningSince: _r, dueAt: _d, warnAt: _w, ...rest } = clock;
  return { ...rest, elapsedSeconds: clock.elapsedSeconds + ran };
}

export function pauseClock(clock: SlaClock, ctx: ClockContext): SlaClock {
  return clock.state === 'running' ? { ...settle(clock, ctx), state: 'paused' } : clock;
}

export function resumeClock(clock: SlaClock, ctx: ClockContext): SlaClock {
  if (clock.state !== 'paused') return clock;
  return schedule(
    { ...clock, state: 'running', runningSince: ctx.now },
    ctx.calendar ?? ALWAYS_OPEN,
    ctx.warnBeforeMinutes,
  );
}

export function achieveClock(clock: SlaClock, ctx: ClockContext): SlaClock {
  return clock.state === 'running' || clock.state === 'paused'
    ? { ...settle(clock, ctx), state: 'achieved' }
    : clock;
}

export function stopClock(clock: SlaClock, ctx: ClockContext): SlaClock {
  return clock.state === 'running' || clock.state === 'paused'
    ? { ...settle(clock, ctx), state: 'stopped' }
    : clock;
}

/** A running or paused clock under a new target or calendar: what it used is kept, its due time recomputed. */
export function retargetClock(clock: SlaClock, targetMinutes: number, ctx: ClockContext): SlaClock {
  if (clock.state !== 'running' && clock.state !== 'paused') return clock;
  if (clock.state === 'paused') return { ...clock, targetMinutes };
  const settled = settle(clock, ctx);
  return schedule(
    { ...settled, state: 'running', targetMinutes, runningSince: ctx.now },
    ctx.calendar ?? ALWAYS_OPEN,
    ctx.warnBeforeMinutes,
  );
}
