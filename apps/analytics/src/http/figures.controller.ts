import { BadRequestException, Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiAnswer, ApiErrors, parseInput, Roles, writeStreamed } from '@journey/platform';
import { CUTS, DATE_BASES, DRILLABLE, PERIODS } from '../figures/domain/figures';
import type { FigureQuery } from '../figures/domain/figures';
import { TicketReports } from '../figures/ticket-reports';
import { csvLine, rowLine, rowsHeader, TICKET_COLUMNS, ticketLine } from './figures-csv';
import { BACKLOG_CUTS } from '../figures/domain/backlog';
import {
  backlogAnswer,
  backlogQuerySchema,
  drillDownAnswer,
  drillDownQuerySchema,
  figureQuerySchema,
  figuresAnswer,
  RANGE_MAX_DAYS,
  toFigureQuery,
} from './figures-api.schemas';

const QUERY_DOCS = [
  { name: 'from', description: 'ISO date (midnight in timeZone) or date-time; default 30 days before to' },
  { name: 'to', description: `exclusive; default now; at most ${RANGE_MAX_DAYS} days after from` },
  {
    name: 'dateBy',
    enum: DATE_BASES,
    description: 'count tickets by their creation or by their (last) solve',
  },
  { name: 'by', description: `cuts, comma-separated: ${CUTS.join(', ')}` },
  { name: 'period', enum: PERIODS },
  { name: 'timeZone', description: 'IANA zone periods and dates are cut in; default UTC' },
  ...CUTS.map((name) => ({ name, description: `only this ${name}` })),
];
const ApiFigureQuery = () => (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  for (const q of QUERY_DOCS) ApiQuery({ required: false, ...q })(target, key, descriptor);
};

function figureQuery(input: unknown): FigureQuery {
  return checked(toFigureQuery(parseInput(figureQuerySchema, input, 'query')));
}
function checked(query: FigureQuery | string): FigureQuery {
  if (typeof query === 'string') throw new BadRequestException({ message: `query: ${query}` });
  return query;
}

/** Writes a line, waiting while the client reads; false once the client has gone. */
const write = (res: Response, line: string): Promise<boolean> => writeStreamed(res, line);

@ApiTags('figures')
@ApiBearerAuth()
@Controller('v1/figures')
export class FiguresController {
  constructor(private readonly reports: TicketReports) {}

  @Get()
  @Roles('supervisor', 'admin')
  @ApiOperation({
    summary:
      'Response, resolution, satisfaction and SLA figures of the tickets created (or solved) in a period',
    description:
      'One row per combination of the cuts and period asked. Every duration is in seconds, calendar and business (the ticket\u2019s SLA calendar). Each figure counts under the agent it is credited to (README, "Figures").',
  })
  @ApiFigureQuery()
  @ApiAnswer(figuresAnswer)
  @ApiErrors(400, 401, 403)
  async figures(@Query() input: unknown) {
    const query = figureQuery(input);
    return { query, rows: await this.reports.figures(query) };
  }

  @Get('export')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'The same rows as CSV (durations in calendar and business seconds)' })
  @ApiFigureQuery()
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'CSV, one line per row', schema: { type: 'string' } })
  @ApiErrors(400, 401, 403)
  async export(@Query() input: unknown, @Res() res: Response): Promise<void> {
    const query = figureQuery(input);
    const rows = await this.reports.figures(query);
    const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.sla)))].sort();
    res.status(200).type('text/csv; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="figures.csv"');
    await write(res, rowsHeader(query.by, Boolean(query.period), metrics));
    for (const row of rows)
      if (!(await write(res, rowLine(row, query.by, Boolean(query.period), metrics)))) return;
    res.end();
  }

  @Get('tickets')
  @Roles('supervisor', 'admin')
  @ApiOperation({
    summary: 'Every ticket of the period with what it contributes, as CSV, streamed from the read model',
    description:
      'Business seconds are measured in each ticket\u2019s SLA calendar. The cut filters group, channel and priority apply; the agent and VIP tier filters do not (use the drill-down).',
  })
  @ApiFigureQuery()
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'CSV, one line per ticket', schema: { type: 'string' } })
  @ApiErrors(400, 401, 403)
  async tickets(@Query() input: unknown, @Res() res: Response): Promise<void> {
    const query = figureQuery(input);
    const measures = this.reports.measures(query);
    res.status(200).type('text/csv; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="tickets.csv"');
    try {
      if (!(await write(res, csvLine([...TICKET_COLUMNS])))) return;
      for await (const m of measures) if (!m.merged && !(await write(res, ticketLine(m)))) return;
      res.end();
    } catch (err) {
      // Headers are gone: cut the stream, so that the client sees a broken download, not a short file.
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    } finally {
      await measures.return(undefined);
    }
  }

  @Get('backlog')
  @Roles('supervisor', 'admin')
  @ApiOperation({
    summary:
      'The tickets waiting now: how many, how old, their open SLA breaches and the targets falling due soon, per cut',
    description:
      'A ticket waits while it is new, open, pending or on hold. An open breach is a missed target whose clock still runs or is paused (answering or solving ends it).',
  })
  @ApiQuery({ name: 'by', required: false, description: `cuts, comma-separated: ${BACKLOG_CUTS.join(', ')}` })
  @ApiQuery({ name: 'dueSoonMinutes', required: false, description: '1–10080, default 60' })
  @ApiQuery({ name: 'group', required: false })
  @ApiQuery({ name: 'channel', required: false })
  @ApiQuery({ name: 'priority', required: false })
  @ApiAnswer(backlogAnswer)
  @ApiErrors(400, 401, 403)
  async backlog(@Query() input: unknown) {
    const { by, dueSoonMinutes, ...where } = parseInput(backlogQuerySchema, input, 'query');
    return this.reports.backlog({ by: by ?? [], dueSoonSeconds: dueSoonMinutes * 60, ...where });
  }

  @Get('drilldown')
  @Roles('supervisor', 'admin')
  @ApiOperation({
    summary:
      'The tickets and events behind one figure of a row (the row\u2019s cut values as filters, its period as periodStart)',
  })
  @ApiFigureQuery()
  @ApiQuery({ name: 'figure', enum: DRILLABLE, required: true })
  @ApiQuery({ name: 'periodStart', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1–1000, default 200' })
  @ApiAnswer(drillDownAnswer)
  @ApiErrors(400, 401, 403)
  async drillDown(@Query() input: unknown) {
    const q = parseInput(drillDownQuerySchema, input, 'query');
    const { figure, periodStart, limit, ...rest } = q;
    const query = checked(toFigureQuery(rest));
    const entries = await this.reports.drillDown({
      ...query,
      figure,
      ...(periodStart ? { periodStart } : {}),
    });
    return { figure, total: entries.length, entries: entries.slice(0, limit) };
  }
}
