import { BadRequestException, Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiAnswer, ApiErrors, parseInput, Roles, writeStreamed } from '@journey/platform';
import { PERIODS } from '../figures/domain/figures';
import { JOURNEY_DRILLABLE } from '../journey/domain/journey-figures';
import { KNOWLEDGE_CUTS, KNOWLEDGE_DRILLABLE } from '../journey/domain/knowledge-figures';
import { JourneyReports } from '../journey/journey-reports';
import { RANGE_MAX_DAYS } from './figures-api.schemas';
import { flatRowsCsv } from './figures-csv';
import {
  journeyAnswer,
  journeyDrillDownAnswer,
  journeyDrillDownQuerySchema,
  journeyQuerySchema,
  knowledgeAnswer,
  knowledgeDrillDownAnswer,
  knowledgeDrillDownQuerySchema,
  knowledgeQuerySchema,
  toJourneyQuery,
  toKnowledgeQuery,
  WINDOW_MAX_DAYS,
} from './journey-api.schemas';

const RANGE_DOCS = [
  { name: 'from', description: 'ISO date (midnight in timeZone) or date-time; default 30 days before to' },
  { name: 'to', description: `exclusive; default now; at most ${RANGE_MAX_DAYS} days after from` },
  { name: 'period', enum: PERIODS },
  { name: 'timeZone', description: 'IANA zone periods and dates are cut in; default UTC' },
];
const JOURNEY_DOCS = [
  ...RANGE_DOCS,
  { name: 'conversionDays', description: `1–${WINDOW_MAX_DAYS}, default 7: an order this soon converts` },
  {
    name: 'contactDays',
    description: `1–${WINDOW_MAX_DAYS}, default 30: a conversation this soon is a contact`,
  },
];
const KNOWLEDGE_DOCS = [
  ...RANGE_DOCS,
  { name: 'by', description: `cuts, comma-separated: ${KNOWLEDGE_CUTS.join(', ')}` },
  { name: 'channel', description: 'only this channel (portal, widget, wechat, agent-workspace…)' },
];
const documented =
  (docs: readonly { name: string; description?: string; enum?: readonly string[] }[]) =>
  (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
    for (const q of docs)
      ApiQuery({ required: false, ...q, enum: q.enum ? [...q.enum] : undefined })(target, key, descriptor);
  };

/** Writes the CSV lines, waiting while the client reads. */
async function sendCsv(res: Response, name: string, lines: readonly string[]): Promise<void> {
  res.status(200).type('text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${name}.csv"`);
  try {
    for (const line of lines) if (!(await writeStreamed(res, line))) return;
    res.end();
  } catch (err) {
    // The headers are gone: cut the stream, so that the client sees a broken download, not a short file.
    res.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

function checked<T>(query: T | string): T {
  if (typeof query === 'string') throw new BadRequestException({ message: `query: ${query}` });
  return query;
}

@ApiTags('figures')
@ApiBearerAuth()
@Controller('v1/figures')
export class JourneyFiguresController {
  constructor(private readonly reports: JourneyReports) {}

  @Get('journey')
  @Roles('supervisor', 'admin')
  @ApiOperation({
    summary:
      'Channel mix and switches, pre-sale conversion and post-sale contacts of the customers\u2019 journeys',
    description:
      'Conversations count in the period they started, orders in the period they were placed; a conversion lands in its conversation\u2019s period even when the order comes later (README, "Journey figures").',
  })
  @documented(JOURNEY_DOCS)
  @ApiAnswer(journeyAnswer)
  @ApiErrors(400, 401, 403)
  async journey(@Query() input: unknown) {
    const query = checked(toJourneyQuery(parseInput(journeyQuerySchema, input, 'query')));
    return { query, rows: await this.reports.journey(query) };
  }

  @Get('journey/export')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'The same journey rows as CSV (a count per channel as byChannel.<channel>)' })
  @documented(JOURNEY_DOCS)
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'CSV, one line per row', schema: { type: 'string' } })
  @ApiErrors(400, 401, 403)
  async journeyExport(@Query() input: unknown, @Res() res: Response): Promise<void> {
    const query = checked(toJourneyQuery(parseInput(journeyQuerySchema, input, 'query')));
    const rows = await this.reports.journey(query);
    await sendCsv(res, 'journey', flatRowsCsv(rows, query.period ? ['period'] : []));
  }

  @Get('journey/drilldown')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'The customers, conversations and events behind one journey figure' })
  @documented(JOURNEY_DOCS)
  @ApiQuery({ name: 'figure', enum: JOURNEY_DRILLABLE, required: true })
  @ApiQuery({ name: 'periodStart', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1–1000, default 200' })
  @ApiAnswer(journeyDrillDownAnswer)
  @ApiErrors(400, 401, 403)
  async journeyDrillDown(@Query() input: unknown) {
    const { figure, periodStart, limit, ...rest } = parseInput(journeyDrillDownQuerySchema, input, 'query');
    const query = checked(toJourneyQuery(rest));
    const entries = await this.reports.journeyDrillDown({
      ...query,
      figure,
      ...(periodStart ? { periodStart } : {}),
    });
    return { figure, total: entries.length, entries: entries.slice(0, limit) };
  }

  @Get('knowledge')
  @Roles('supervisor', 'admin')
  @ApiOperation({
    summary: 'Auto-answer deflection and hand-offs, article views, searches that found nothing, feedback',
    description:
      'A conversation counts in the period and channel of its first auto-answer decision; contentGaps lists the queries that found nothing or nothing good, most frequent first.',
  })
  @documented(KNOWLEDGE_DOCS)
  @ApiQuery({
    name: 'gaps',
    required: false,
    description: '0–200, default 20: how many content gaps to list',
  })
  @ApiAnswer(knowledgeAnswer)
  @ApiErrors(400, 401, 403)
  async knowledge(@Query() input: unknown) {
    const { gaps, ...rest } = parseInput(knowledgeQuerySchema, input, 'query');
    const query = checked(toKnowledgeQuery(rest));
    const { rows, gaps: contentGaps } = await this.reports.knowledge(query, gaps);
    return { query, rows, contentGaps };
  }

  @Get('knowledge/export')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'The same knowledge rows as CSV (reasons as handOffReasons.<reason>)' })
  @documented(KNOWLEDGE_DOCS)
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'CSV, one line per row', schema: { type: 'string' } })
  @ApiErrors(400, 401, 403)
  async knowledgeExport(@Query() input: unknown, @Res() res: Response): Promise<void> {
    const { gaps, ...rest } = parseInput(knowledgeQuerySchema, input, 'query');
    void gaps;
    const query = checked(toKnowledgeQuery(rest));
    const { rows } = await this.reports.knowledge(query, 0);
    await sendCsv(res, 'knowledge', flatRowsCsv(rows, [...query.by, ...(query.period ? ['period'] : [])]));
  }

  @Get('knowledge/drilldown')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'The conversations, articles, queries and events behind one knowledge figure' })
  @documented(KNOWLEDGE_DOCS)
  @ApiQuery({ name: 'figure', enum: KNOWLEDGE_DRILLABLE, required: true })
  @ApiQuery({ name: 'periodStart', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1–1000, default 200' })
  @ApiAnswer(knowledgeDrillDownAnswer)
  @ApiErrors(400, 401, 403)
  async knowledgeDrillDown(@Query() input: unknown) {
    const { figure, periodStart, limit, ...rest } = parseInput(knowledgeDrillDownQuerySchema, input, 'query');
    const query = checked(toKnowledgeQuery(rest));
    const entries = await this.reports.knowledgeDrillDown({
      ...query,
      figure,
      ...(periodStart ? { periodStart } : {}),
    });
    return { figure, total: entries.length, entries: entries.slice(0, limit) };
  }
}
