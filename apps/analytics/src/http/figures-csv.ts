import { TIMED_FIGURES } from '../figures/domain/figures';
import type { Cut, FigureRow } from '../figures/domain/figures';
import type { TicketMeasures } from '../figures/domain/ticket-measures';

/** A CSV cell: quoted when it must be, and a leading formula character defused for spreadsheets. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
export const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;

const DURATION_COLUMNS = [
  'count',
  'mean',
  'median',
  'p90',
  'businessMean',
  'businessMedian',
  'businessP90',
] as const;
const COUNT_COLUMNS = [
  'created',
  'solved',
  'resolutionRate',
  'oneTouch',
  'firstContactResolution',
  'reopened',
  'reopens',
  'reopenRate',
  'botResolved',
  'surveys',
  'rated',
  'good',
  'csat',
  'surveyResponseRate',
  'evaluations',
  'evaluationScore',
  'transfers',
  'escalations',
] as const;

/** The header of the rows' CSV: the cuts and period asked, then every figure (durations in seconds, calendar and business). */
export function rowsHeader(by: readonly Cut[], period: boolean, slaMetrics: readonly string[]): string {
  return csvLine([
    ...by,
    ...(period ? ['period'] : []),
    ...COUNT_COLUMNS,
    ...TIMED_FIGURES.flatMap((f) => DURATION_COLUMNS.map((c) => `${f}.${c}`)),
    ...slaMetrics.flatMap((m) => [`sla.${m}.measured`, `sla.${m}.breached`, `sla.${m}.compliance`]),
  ]);
}

export function rowLine(
  row: FigureRow,
  by: readonly Cut[],
  period: boolean,
  slaMetrics: readonly string[],
): string {
  return csvLine([
    ...by.map((c) => row.key[c]),
    ...(period ? [row.key.period] : []),
    ...COUNT_COLUMNS.map((c) => row[c]),
    ...TIMED_FIGURES.flatMap((f) => DURATION_COLUMNS.map((c) => row[f][c])),
    ...slaMetrics.flatMap((m) => {
      const cell = row.sla[m];
      return [cell?.measured ?? 0, cell?.breached ?? 0, cell?.compliance];
    }),
  ]);
}

/** One line per ticket: what it contributes, times in seconds of the calendar and of its SLA calendar's business hours. */
export const TICKET_COLUMNS = [
  'ticketId',
  'openedAt',
  'solvedAt',
  'channel',
  'group',
  'priority',
  'assignee',
  'firstResponseAgent',
  'firstResponseSeconds',
  'firstResponseBusinessSeconds',
  'nextResponses',
  'nextResponseSeconds',
  'nextResponseBusinessSeconds',
  'firstResolutionSeconds',
  'firstResolutionBusinessSeconds',
  'fullResolutionSeconds',
  'fullResolutionBusinessSeconds',
  'botSeconds',
  'solved',
  'reopens',
  'humanReplies',
  'oneTouch',
  'resolvedBy',
  'surveys',
  'rating',
  'slaBreaches',
  'transfers',
  'escalations',
  'product',
] as const;

export function ticketLine(m: TicketMeasures): string {
  const sum = (pick: (s: TicketMeasures['nextResponses'][number]) => number) =>
    m.nextResponses.reduce((n, s) => n + pick(s), 0);
  return csvLine([
    m.ticketId,
    m.openedAt,
    m.solvedAt,
    m.channel,
    m.group,
    m.priority,
    m.assignee,
    m.firstResponse?.agent,
    m.firstResponse?.seconds,
    m.firstResponse?.businessSeconds,
    m.nextResponses.length,
    sum((s) => s.seconds),
    sum((s) => s.businessSeconds),
    m.firstResolution?.seconds,
    m.firstResolution?.businessSeconds,
    m.fullResolution?.seconds,
    m.fullResolution?.businessSeconds,
    m.botSeconds,
    m.solved,
    m.reopens,
    m.humanReplies,
    m.oneTouch,
    m.resolvedBy,
    m.surveys,
    m.rating?.score,
    m.sla.filter((s) => s.breached).length,
    m.transfers,
    m.escalations,
    m.product,
  ]);
}

/**
 * Rows of flat figures (numbers, and records of numbers such as a count per channel) as CSV columns:
 * the row's key first (the cuts and period asked), then each figure in the rows' order, a record's
 * entries as `figure.entry` in alphabetical order (every entry any row has; a row without it is empty).
 */
export function flatRowsCsv(
  rows: readonly ({ key: Record<string, string | undefined> } & object)[],
  keyColumns: readonly string[],
): string[] {
  const figures = rows[0] ? Object.keys(rows[0]).filter((k) => k !== 'key') : [];
  const entries = new Map<string, Set<string>>();
  for (const row of rows)
    for (const figure of figures) {
      const value = (row as Record<string, unknown>)[figure];
      if (value && typeof value === 'object')
        for (const entry of Object.keys(value)) {
          const seen = entries.get(figure) ?? new Set<string>();
          seen.add(entry);
          entries.set(figure, seen);
        }
    }
  const columns = figures.flatMap((figure) =>
    entries.has(figure)
      ? [...(entries.get(figure) as Set<string>)].sort().map((entry) => ({ figure, entry }))
      : [{ figure, entry: undefined as string | undefined }],
  );
  const header = csvLine([
    ...keyColumns,
    ...columns.map((c) => (c.entry === undefined ? c.figure : `${c.figure}.${c.entry}`)),
  ]);
  return [
    header,
    ...rows.map((row) =>
      csvLine([
        ...keyColumns.map((k) => row.key[k]),
        ...columns.map(({ figure, entry }) => {
          const value = (row as Record<string, unknown>)[figure];
          return entry === undefined ? value : (value as Record<string, unknown> | undefined)?.[entry];
        }),
      ]),
    ),
  ];
}
