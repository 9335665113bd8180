import {
  addBusinessSeconds,
  ALWAYS_OPEN,
  businessSecondsBetween,
  calendarSchema,
  isOpen,
} from './business-calendar';

// Shanghai office hours, Monday to Friday 09:00–12:00 and 13:00–18:00, National Day a holiday.
const shanghai = calendarSchema.parse({
  id: 'cn-office',
  timeZone: 'Asia/Shanghai',
  hours: Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [
      d,
      [
        { from: '09:00', to: '12:00' },
        { from: '13:00', to: '18:00' },
      ],
    ]),
  ),
  holidays: ['2026-10-01'],
});
const at = (iso: string) => new Date(iso);
const H = 3600;

describe('business-hours calendars', () => {
  it('counts only open hours, in the calendar’s time zone', () => {
    // Friday 2026-11-27 17:00 Shanghai (09:00 UTC) + 2 h → Monday 10:00 Shanghai (02:00 UTC): the weekend does not count.
    expect(addBusinessSeconds(at('2026-11-27T09:00:00Z'), 2 * H, shanghai).toISOString()).toBe(
      '2026-11-30T02:00:00.000Z',
    );
    expect(businessSecondsBetween(at('2026-11-27T09:00:00Z'), at('2026-11-30T02:00:00Z'), shanghai)).toBe(
      2 * H,
    );
  });

  it('skips the lunch break and a holiday', () => {
    // Wednesday 2026-09-30 11:30 Shanghai + 1 h → 13:30 the same day (lunch skipped).
    expect(addBusinessSeconds(at('2026-09-30T03:30:00Z'), H, shanghai).toISOString()).toBe(
      '2026-09-30T05:30:00.000Z',
    );
    // Wednesday 17:00 + 2 h: one hour left that day, 1 October is a holiday → Friday 2 October 10:00.
    expect(addBusinessSeconds(at('2026-09-30T09:00:00Z'), 2 * H, shanghai).toISOString()).toBe(
      '2026-10-02T02:00:00.000Z',
    );
  });

  it('never lands on a closed minute: a target started at night falls due inside the next open hours', () => {
    // Saturday 23:00 Shanghai + 30 min → Monday 09:30 Shanghai, not Sunday midnight.
    const due = addBusinessSeconds(at('2026-11-28T15:00:00Z'), 1800, shanghai);
    expect(due.toISOString()).toBe('2026-11-30T01:30:00.000Z');
    expect(isOpen(due, shanghai)).toBe(true);
  });

  it('a 24/7 calendar has no closed minute, across midnight and a DST change', () => {
    const always = calendarSchema.parse({ id: 'ny-247', timeZone: 'America/New_York' });
    // 2026-11-01 is the end of DST in New York: 24 h of business time is 24 h of real time.
    expect(addBusinessSeconds(at('2026-10-31T23:30:00Z'), 24 * H, always).toISOString()).toBe(
      '2026-11-01T23:30:00.000Z',
    );
    expect(businessSecondsBetween(at('2026-10-31T23:30:00Z'), at('2026-11-01T23:30:00Z'), always)).toBe(
      24 * H,
    );
    expect(addBusinessSeconds(at('2026-11-24T10:00:00Z'), 60, ALWAYS_OPEN).toISOString()).toBe(
      '2026-11-24T10:01:00.000Z',
    );
  });

  it('follows the local clock through a DST change in a business-hours calendar', () => {
    const ny = calendarSchema.parse({
      id: 'ny',
      timeZone: 'America/New_York',
      hours: { fri: [{ from: '09:00', to: '17:00' }], mon: [{ from: '09:00', to: '17:00' }] },
    });
    // Friday 2026-10-30 16:00 EDT (20:00 UTC) + 2 h → Monday 2026-11-02 10:00 EST (15:00 UTC).
    expect(addBusinessSeconds(at('2026-10-30T20:00:00Z'), 2 * H, ny).toISOString()).toBe(
      '2026-11-02T15:00:00.000Z',
    );
  });

  it('refuses a calendar it cannot use, and one that never opens ends with an error, not a hang', () => {
    expect(calendarSchema.safeParse({ id: 'x', timeZone: 'Mars/Olympus' }).success).toBe(false);
    expect(
      calendarSchema.safeParse({ id: 'x', timeZone: 'UTC', hours: { mon: [{ from: '18:00', to: '09:00' }] } })
        .success,
    ).toBe(false);
    const never = calendarSchema.parse({ id: 'never', timeZone: 'UTC', hours: {} });
    expect(() => addBusinessSeconds(at('2026-11-24T10:00:00Z'), 60, never)).toThrow(/no open time/);
  });
});
