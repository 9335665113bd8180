import { DateTime } from 'luxon';
import { z } from 'zod';
import { handle } from './tickets.events';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM, 00:00 to 24:00');
const interval = z.object({ from: clock, to: clock }).refine((i) => i.from < i.to, 'from must be before to');
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A business-hours calendar of the SLA policy book (tickets.sla-policies-configured; analytics measures business time with it): a time zone, open intervals per weekday, and whole-day holidays. */
export const calendarSchema = z
  .object({
    id: handle,
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .refine((zone) => DateTime.local().setZone(zone).isValid, {
        message: 'must be an IANA time zone, e.g. Asia/Shanghai',
      }),
    /** Open hours per weekday, in the calendar's time zone. Absent: open 24/7 (holidays still close). */
    hours: z.partialRecord(z.enum(WEEKDAYS), z.array(interval).max(6)).optional(),
    /** Closed days, YYYY-MM-DD in the calendar's time zone. */
    holidays: z.array(z.iso.date()).max(400).default([]),
  })
  .strict();
export type Calendar = z.infer<typeof calendarSchema>;

/** The calendar of a policy without one: every minute counts. */
export const ALWAYS_OPEN: Calendar = { id: 'always', timeZone: 'UTC', holidays: [] };

/** How far ahead a target may land: a calendar with no open hour would otherwise never end. */
const MAX_DAYS = 3 * 366;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h as number) * 60 + (m as number);
}

/** The open intervals (epoch ms) of one local day of the calendar. */
function openIntervals(cal: Calendar, day: DateTime): [number, number][] {
  const date = day.toISODate() as string;
  if (cal.holidays.includes(date)) return [];
  const start = day.startOf('day');
  if (!cal.hours) return [[start.toMillis(), start.plus({ days: 1 }).toMillis()]];
  const weekday = WEEKDAYS[day.weekday - 1] as (typeof WEEKDAYS)[number];
  return (cal.hours[weekday] ?? []).map((i) => [
    start.plus({ minutes: minutesOf(i.from) }).toMillis(),
    start.plus({ minutes: minutesOf(i.to) }).toMillis(),
  ]);
}

const simple = (cal: Calendar) => !cal.hours && cal.holidays.length === 0;

/** The instant `seconds` of open time after `from` (at `from` itself for 0, if it is open then). */
export function addBusinessSeconds(from: Date, seconds: number, cal: Calendar): Date {
  if (simple(cal)) return new Date(from.getTime() + seconds * 1000);
  let remaining = Math.max(0, seconds) * 1000;
  let day = DateTime.fromJSDate(from, { zone: cal.timeZone }).startOf('day');
  for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 })) {
    for (const [a, b] of openIntervals(cal, day)) {
      const start = Math.max(a, from.getTime());
      if (start >= b) continue;
      if (remaining <= b - start) return new Date(start + remaining);
      remaining -= b - start;
    }
  }
  throw new Error(`calendar ${cal.id} has no open time within ${MAX_DAYS} days of ${from.toISOString()}`);
}

/** Open seconds between two instants (0 when `to` is not after `from`). */
export function businessSecondsBetween(from: Date, to: Date, cal: Calendar): number {
  if (to <= from) return 0;
  if (simple(cal)) return Math.floor((to.getTime() - from.getTime()) / 1000);
  let total = 0;
  let day = DateTime.fromJSDate(from, { zone: cal.timeZone }).startOf('day');
  const end = to.getTime();
  for (let i = 0; i < MAX_DAYS && day.toMillis() < end; i++, day = day.plus({ days: 1 })) {
    for (const [a, b] of openIntervals(cal, day)) {
      const lo = Math.max(a, from.getTime());
      const hi = Math.min(b, end);
      if (hi > lo) total += hi - lo;
    }
  }
  return Math.floor(total / 1000);
}

/** True when the calendar is open at the instant. */
export function isOpen(at: Date, cal: Calendar): boolean {
  const day = DateTime.fromJSDate(at, { zone: cal.timeZone }).startOf('day');
  return openIntervals(cal, day).some(([a, b]) => at.getTime() >= a && at.getTime() < b);
}
