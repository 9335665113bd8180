import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  ApiAnswer,
  ApiErrors,
  ApiUuidParam,
  correlationIdOf,
  CurrentPrincipal,
  openApiSchema,
  parseInput,
  Roles,
} from '@journey/platform';
import type { Principal } from '@journey/platform';
import { servedFields } from '@journey/projections';
import { Catalogue } from '../article/catalogue';
import { ReaderActivity } from '../feedback/reader-activity';
import {
  gapsAnswer,
  gapsQuerySchema,
  okAnswer,
  requestsAnswer,
  resolveRequestSchema,
} from './knowledge-api.schemas';

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1')
export class ReportsController {
  constructor(
    private readonly catalogue: Catalogue,
    private readonly activity: ReaderActivity,
  ) {}

  @Get('reports/content-gaps')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary:
      'What to write next: searches that found nothing or nothing good (by normalised query), and the articles readers found unhelpful or asked to update',
    description:
      'Over a period of days (UTC, inclusive), optionally one locale. Queries are ranked by searches without a good answer.',
  })
  @ApiAnswer(gapsAnswer)
  @ApiErrors(400, 401, 403)
  async gaps(@Query() query: unknown) {
    const q = parseInput(gapsQuerySchema, query, 'query');
    const gaps = await this.catalogue.gaps();
    const day: Record<string, string> = {};
    if (q.from) day['$gte'] = q.from;
    if (q.to) day['$lte'] = q.to;
    const searches = await gaps
      .find({
        kind: 'search',
        ...(Object.keys(day).length ? { day } : {}),
        ...(q.locale ? { locale: q.locale } : {}),
      })
      .toArray();
    const byQuery = new Map<
      string,
      { query: string; locale: string; searches: number; none: number; poor: number; lastAt: string }
    >();
    for (const d of searches) {
      const key = `${String(d['locale'])}\u0000${String(d['query'])}`;
      const row = byQuery.get(key) ?? {
        query: String(d['query']),
        locale: String(d['locale']),
        searches: 0,
        none: 0,
        poor: 0,
        lastAt: '',
      };
      row.searches += Number(d['searches'] ?? 0);
      row.none += Number(d['none'] ?? 0);
      row.poor += Number(d['poor'] ?? 0);
      if (String(d['lastAt']) > row.lastAt) row.lastAt = String(d['lastAt']);
      byQuery.set(key, row);
    }
    const queries = [...byQuery.values()]
      .filter((r) => r.none + r.poor > 0)
      .sort(
        (a, b) =>
          b.none + b.poor - (a.none + a.poor) || b.searches - a.searches || a.query.localeCompare(b.query),
      )
      .slice(0, q.limit);
    const articles = (
      await gaps
        .find({ kind: 'article', $or: [{ notHelpful: { $gt: 0 } }, { openRequests: { $gt: 0 } }] })
        .sort({ openRequests: -1, notHelpful: -1, _id: 1 })
        .limit(q.limit)
        .toArray()
    ).map((d) => ({
      articleId: String(d['articleId']),
      views: Number(d['views'] ?? 0),
      helpful: Number(d['helpful'] ?? 0),
      notHelpful: Number(d['notHelpful'] ?? 0),
      openRequests: Number(d['openRequests'] ?? 0),
      reasons: (d['reasons'] ?? {}) as Record<string, number>,
    }));
    return { queries, articles };
  }

  @Get('update-requests')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: "Readers' open update requests, oldest first (owner=me: for the articles I own)" })
  @ApiAnswer(requestsAnswer)
  @ApiErrors(400, 401, 403)
  async requests(@Query('owner') owner: string | undefined, @CurrentPrincipal() p: Principal) {
    if (owner !== undefined && (typeof owner !== 'string' || owner.length === 0 || owner.length > 200))
      throw new BadRequestException('invalid query: owner: a user id of 1 to 200 characters, or me');
    const gaps = await this.catalogue.gaps();
    let filter: Record<string, unknown> = { kind: 'request', status: 'open' };
    if (owner) {
      const mine = await (
        await this.catalogue.articlesCollection()
      )
        .find({ owner: owner === 'me' ? p.subject : owner })
        .project({ _id: 1 })
        .toArray();
      filter = { ...filter, articleId: { $in: mine.map((d) => String(d._id)) } };
    }
    const docs = await gaps.find(filter).sort({ at: 1 }).limit(500).toArray();
    return {
      requests: docs.map((doc) => {
        const { kind: _k, ...rest } = servedFields(doc);
        return rest;
      }),
    };
  }

  @Post('articles/:id/update-requests/:requestId/resolution')
  @HttpCode(200)
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary: 'Close an update request: the article was updated, or the request declined (once)',
  })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(resolveRequestSchema) })
  @ApiAnswer(okAnswer)
  @ApiErrors(400, 401, 403, 404, 409)
  async resolve(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('requestId', new ParseUUIDPipe()) requestId: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(resolveRequestSchema, body);
    const outcome = await this.activity.resolveRequest(
      id,
      requestId,
      input.resolution,
      p.subject,
      correlationIdOf(req),
    );
    if (outcome === 'not-found') throw new NotFoundException('update request not found');
    if (outcome === 'already-resolved') throw new ConflictException('the request was already resolved');
    return { ok: true };
  }
}
