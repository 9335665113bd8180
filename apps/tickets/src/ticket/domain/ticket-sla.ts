import { SLA_METRICS } from '@journey/contracts';
import type { SlaMetric } from '@journey/contracts';
import { calendarOf, matchPolicy } from '../../sla/domain/sla-policy-book';
import type { PolicyBook } from '../../sla/domain/sla-policy-book';
import {
  achieveClock,
  pauseClock,
  resumeClock,
  retargetClock,
  startClock,
  stopClock,
} from '../../sla/domain/sla-clock';
import type { ClockContext, SlaClock } from '../../sla/domain/sla-clock';
import type { AppliedPolicy, TicketEvent, TicketState } from './ticket.state';
import { sameData } from '../../domain-equality';

/** What the SLA side of a decision needs besides the ticket: the time, the policy book, the customer's tier. */
export interface SlaContext {
  now: string;
  book: PolicyBook;
  vipTier?: string;
}

const clockContext = (state: TicketState, ctx: SlaContext, now = ctx.now): ClockContext => ({
  now,
  calendar: calendarOf(ctx.book, state.policy?.calendarId),
  warnBeforeMinutes: state.policy?.warnBeforeMinutes ?? 0,
});

/** The event that records a clock as it now stands. */
export function clockEvent(ticketId: string, clock: SlaClock, at: string): TicketEvent {
  return {
    type: 'tickets.sla-clock-set.v1',
    data: {
      ticketId,
      metric: clock.metric,
      cycle: clock.cycle,
      state: clock.state,
      elapsedSeconds: clock.elapsedSeconds,
      targetMinutes: clock.targetMinutes,
      ...(clock.runningSince ? { runningSince: clock.runningSince } : {}),
      ...(clock.dueAt ? { dueAt: clock.dueAt } : {}),
      ...(clock.warnAt ? { warnAt: clock.warnAt } : {}),
      at,
    },
  };
}

type ClockChange = (clock: SlaClock, c: ClockContext) => SlaClock;

/** Applies a change to the named clocks (all when none are named); events only for clocks that changed. */
export function changeClocks(
  state: TicketState,
  ctx: SlaContext,
  change: ClockChange,
  metrics: readonly SlaMetric[] = SLA_METRICS,
): TicketEvent[] {
  const c = clockContext(state, ctx);
  const events: TicketEvent[] = [];
  for (const metric of metrics) {
    const clock = state.clocks[metric];
    if (!clock) continue;
    const next = change(clock, c);
    if (next !== clock && !sameData(next, clock))
      events.push(clockEvent(state.ticketId as string, next, ctx.now));
  }
  return events;
}

/** Starts a new cycle of a metric (when the policy sets a target for it), from `since`. */
export function startCycle(
  state: TicketState,
  ctx: SlaContext,
  metric: SlaMetric,
  since = ctx.now,
): TicketEvent[] {
  const target = state.policy?.targets[metric];
  if (!target) return [];
  const previous = state.clocks[metric];
  const cycle = previous ? previous.cycle + 1 : 0;
  return [
    clockEvent(
      state.ticketId as string,
      startClock(metric, cycle, target, clockContext(state, ctx, since)),
      since,
    ),
  ];
}

export const pauseAll = (state: TicketState, ctx: SlaContext) => changeClocks(state, ctx, pauseClock);
export const resumeAll = (state: TicketState, ctx: SlaContext) => changeClocks(state, ctx, resumeClock);
export const stopAll = (state: TicketState, ctx: SlaContext) => changeClocks(state, ctx, stopClock);
export const achieve = (state: TicketState, ctx: SlaContext, metrics: SlaMetric[]) =>
  changeClocks(state, ctx, achieveClock, metrics);

const samePolicy = (a: AppliedPolicy | undefined, b: AppliedPolicy) => sameData(a, b);

/**
 * After a decision: the policy that matches the ticket now. When it differs from the one applied, the
 * new policy is recorded and every clock follows it — running ones keep what they used and get a new
 * due time, metrics without a target stop, and first response and resolution start from the ticket's
 * opening if they had no clock (a policy added later still measures the ticket from its start).
 */
export function reconcilePolicy(
  state: TicketState,
  ctx: SlaContext,
  channel: string | undefined,
): TicketEvent[] {
  if (!state.ticketId || !state.group || state.status === 'closed') return [];
  const policy = matchPolicy(ctx.book, {
    priority: state.priority,
    vipTier: ctx.vipTier,
    channel: channel as never,
    group: state.group,
  });
  const applied: AppliedPolicy = policy
    ? {
        policyId: policy.id,
        ...(policy.calendarId ? { calendarId: policy.calendarId } : {}),
        targets: policy.targets,
        warnBeforeMinutes: policy.warnBeforeMinutes,
      }
    : { targets: {}, warnBeforeMinutes: 0 };
  if (samePolicy(state.policy, applied) || (!state.policy && !policy)) return [];
  const events: TicketEvent[] = [
    {
      type: 'tickets.sla-policy-applied.v1',
      data: {
        ticketId: state.ticketId,
        ...(applied.policyId ? { policyId: applied.policyId } : {}),
        ...(applied.calendarId ? { calendarId: applied.calendarId } : {}),
        targets: applied.targets,
        warnBeforeMinutes: applied.warnBeforeMinutes,
        at: ctx.now,
      },
    },
  ];
  const next: TicketState = { ...state, policy: applied };
  const c = clockContext(next, ctx);
  for (const metric of SLA_METRICS) {
    const clock = state.clocks[metric];
    const target = applied.targets[metric];
    if (clock) {
      const changed = target ? retargetClock(clock, target, c) : stopClock(clock, c);
      if (!sameData(changed, clock)) events.push(clockEvent(state.ticketId, changed, ctx.now));
    } else if (target && state.status !== 'solved') {
      if (
        metric === 'resolution' ||
        (metric === 'first-response' && !state.agentReplied && state.awaitingAgent)
      ) {
        const since = state.openedAt ?? ctx.now;
        const started = startClock(metric, 0, target, { ...c, now: since });
        const running = state.status === 'pending' ? pauseClock(started, c) : started;
        events.push(clockEvent(state.ticketId, running, since));
      }
    }
  }
  return events;
}
