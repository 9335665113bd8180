import {
  applyDecorators,
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { createTwoFilesPatch, diffLines } from 'diff';
import type { Document, Filter } from 'mongodb';
import type { KnowledgeLocale } from '@journey/contracts';
import { WrongExpectedRevisionError } from '@journey/eventstore';
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
import { Articles } from '../article/articles';
import { Catalogue } from '../article/catalogue';
import { NO_ARTICLE } from '../article/domain/article.decider';
import type { ArticleCommand } from '../article/domain/article.decider';
import { parseFrontMatter, renderArticleHtml } from '../article/domain/markdown';
import {
  classifySchema,
  commandAnswer,
  commentSchema,
  commentsAnswer,
  revisionAnswer,
  cataloguePage,
  createArticleSchema,
  diffAnswer,
  diffQuerySchema,
  listQuerySchema,
  locale as localeSchema,
  markdownSchema,
  noteOnlySchema,
  publishSchema,
  restoreSchema,
  reviewRequestSchema,
  reviseSchema,
  revisionsAnswer,
  scheduleSchema,
} from './knowledge-api.schemas';

/** What every article command answers: its id, the events it recorded, and the new revision when it saved one. */
const ArticleCommandDocs = (status = 200) =>
  applyDecorators(
    ApiUuidParam('id'),
    ApiAnswer(commandAnswer, status),
    ApiErrors(400, 401, 403, 404, 409, 422),
  );

type Command = ArticleCommand extends infer C ? (C extends ArticleCommand ? Omit<C, 'now'> : never) : never;

const parseLocale = (value: string) => parseInput(localeSchema, value, 'locale');

/** A Markdown file with front matter as the JSON a create takes (the file's attributes and body). */
function fromMarkdown(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('markdown' in body)) return body;
  const { markdown } = parseInput(markdownSchema, body);
  try {
    const { attributes, body: text } = parseFrontMatter(markdown);
    return { ...attributes, body: text };
  } catch (err) {
    throw new BadRequestException(`invalid body: ${(err as Error).message}`);
  }
}

@ApiTags('articles')
@ApiBearerAuth()
@Controller('v1/articles')
export class ArticlesController {
  constructor(
    private readonly articles: Articles,
    private readonly catalogue: Catalogue,
  ) {}

  private async run(articleId: string, command: Command, req: Request) {
    try {
      const outcome = await this.articles.execute(
        articleId,
        { ...command, now: new Date().toISOString() } as ArticleCommand,
        { correlationId: correlationIdOf(req) },
      );
      if (!outcome.ok) {
        if (outcome.reason === NO_ARTICLE) throw new NotFoundException('article not found');
        if (outcome.reason.includes('was saved after revision')) throw new ConflictException(outcome.reason);
        throw new UnprocessableEntityException(outcome.reason);
      }
      const revised = outcome.events.find((e) => e.type === 'knowledge.article-revised.v1');
      return {
        articleId,
        events: outcome.events.map((e) => e.type),
        ...(revised ? { revision: (revised.data as { revision: number }).revision } : {}),
      };
    } catch (err) {
      if (err instanceof WrongExpectedRevisionError)
        throw new ConflictException('the article changed meanwhile; try again');
      throw err;
    }
  }

  @Post()
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary: 'Create an article (a draft in its source locale)',
    description:
      'JSON fields, or `{ "markdown": "---\\ntitle: …\\nlocale: en\\n---\\nbody" }`: one Markdown file whose YAML front matter holds the fields. Malformed front matter, an unknown locale or a body past 100,000 characters is a 400 and nothing is stored.',
  })
  @ApiBody({ schema: openApiSchema(createArticleSchema) })
  @ApiAnswer(commandAnswer, 201)
  @ApiErrors(400, 401, 403)
  async create(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() req: Request) {
    const input = parseInput(createArticleSchema, fromMarkdown(body));
    const articleId = randomUUID();
    return this.run(
      articleId,
      {
        kind: 'create',
        articleId,
        sourceLocale: input.locale,
        owner: input.owner ?? principal.subject,
        ...(input.category ? { category: input.category } : {}),
        products: input.products,
        audience: input.audience,
        reviewIntervalDays: input.reviewIntervalDays,
        content: { title: input.title, body: input.body, tags: input.tags },
        ...(input.note ? { note: input.note } : {}),
        by: principal.subject,
      },
      req,
    );
  }

  @Get()
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary: 'The catalogue: filter by owner (me), workflow status, locale, stale, published, category',
    description: 'A read model fed from Kafka: a change shows a moment after it was recorded.',
  })
  @ApiAnswer(cataloguePage)
  @ApiErrors(400, 401, 403)
  async list(@Query() query: unknown, @CurrentPrincipal() principal: Principal) {
    const q = parseInput(listQuerySchema, query, 'query');
    const and: Filter<Document>[] = [{ articleId: { $exists: true } }];
    if (q.owner) and.push({ owner: q.owner === 'me' ? principal.subject : q.owner });
    if (q.category) and.push({ category: q.category });
    const locales: readonly KnowledgeLocale[] = q.locale ? [q.locale] : this.catalogue.locales;
    const anyLocale = (cond: (l: string) => Filter<Document>) => ({
      $or: locales.map((l) => cond(`locales.${l}`)),
    });
    if (q.status) and.push(anyLocale((l) => ({ [`${l}.status`]: q.status })));
    if (q.stale) and.push(anyLocale((l) => ({ [`${l}.stale`]: q.stale === 'true' })));
    if (q.published)
      and.push(anyLocale((l) => ({ [`${l}.published`]: { $exists: q.published === 'true' } })));
    return this.catalogue.page({ $and: and }, q.offset, q.limit);
  }

  @Get(':id')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary:
      'One article: every locale with its workflow state, what is published, review-by, stale and out-of-date translations',
  })
  @ApiUuidParam('id')
  @ApiAnswer(cataloguePage.shape.articles.element)
  @ApiErrors(400, 401, 403, 404)
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const doc = await this.catalogue.article(id);
    if (!doc) throw new NotFoundException('article not found');
    return doc;
  }

  @Patch(':id')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'Change owner, category, products, audience or review interval' })
  @ApiBody({ schema: openApiSchema(classifySchema) })
  @ArticleCommandDocs()
  classify(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(classifySchema, body);
    return this.run(id, { kind: 'classify', ...input, by: p.subject } as Command, req);
  }

  @Post(':id/locales/:locale/revisions')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary: 'Save a new revision of a locale (a draft; a new locale is a translation of the source)',
    description:
      'baseRevision is the revision the editor started from: if someone saved after it, 409 (reload and merge). Saving cancels a scheduled publish of the locale.',
  })
  @ApiBody({ schema: openApiSchema(reviseSchema) })
  @ArticleCommandDocs(201)
  revise(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') rawLocale: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const locale = parseLocale(rawLocale);
    const input = parseInput(reviseSchema, fromMarkdown(body));
    return this.run(
      id,
      {
        kind: 'revise',
        locale,
        content: { title: input.title, body: input.body, tags: input.tags },
        ...(input.note ? { note: input.note } : {}),
        ...(input.baseRevision !== undefined ? { baseRevision: input.baseRevision } : {}),
        by: p.subject,
      },
      req,
    );
  }

  @Get(':id/locales/:locale/revisions')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'The revisions of a locale, oldest first, with author, time and change note' })
  @ApiUuidParam('id')
  @ApiAnswer(revisionsAnswer)
  @ApiErrors(400, 401, 403, 404)
  async revisions(@Param('id', new ParseUUIDPipe()) id: string, @Param('locale') rawLocale: string) {
    const revisions = await this.articles.revisions(id, parseLocale(rawLocale));
    if (revisions.length === 0) throw new NotFoundException('article or locale not found');
    return { revisions: revisions.map(({ body: _b, tags: _t, ...r }) => r) };
  }

  @Get(':id/locales/:locale/revisions/:revision')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'One revision: its Markdown, tags and the HTML the portal would show' })
  @ApiUuidParam('id')
  @ApiAnswer(revisionAnswer)
  @ApiErrors(400, 401, 403, 404)
  async revision(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') rawLocale: string,
    @Param('revision') rawRevision: string,
  ) {
    const n = Number(rawRevision);
    const found = (await this.articles.revisions(id, parseLocale(rawLocale))).find((r) => r.revision === n);
    if (!found) throw new NotFoundException('revision not found');
    return { ...found, html: renderArticleHtml(found.body) };
  }

  @Get(':id/locales/:locale/diff')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary: 'What changed between two revisions: title, tags, and the body as a unified diff',
  })
  @ApiUuidParam('id')
  @ApiAnswer(diffAnswer)
  @ApiErrors(400, 401, 403, 404)
  async diff(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') rawLocale: string,
    @Query() query: unknown,
  ) {
    const q = parseInput(diffQuerySchema, query, 'query');
    const revisions = await this.articles.revisions(id, parseLocale(rawLocale));
    const from = revisions.find((r) => r.revision === q.from);
    const to = revisions.find((r) => r.revision === q.to);
    if (!from || !to) throw new NotFoundException('revision not found');
    return {
      from: q.from,
      to: q.to,
      title: { from: from.title, to: to.title },
      tags: {
        added: to.tags.filter((t) => !from.tags.includes(t)),
        removed: from.tags.filter((t) => !to.tags.includes(t)),
      },
      patch: createTwoFilesPatch(`revision ${q.from}`, `revision ${q.to}`, from.body, to.body),
      changes: diffLines(from.body, to.body).map((c) => ({
        kind: c.added ? 'added' : c.removed ? 'removed' : 'same',
        lines: c.count ?? 0,
        text: c.value,
      })),
    };
  }

  @Post(':id/locales/:locale/restorations')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary:
      'Restore an earlier revision: saved again as the newest revision (a draft, to review and publish)',
  })
  @ApiBody({ schema: openApiSchema(restoreSchema) })
  @ArticleCommandDocs(201)
  async restore(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') rawLocale: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const locale = parseLocale(rawLocale);
    const input = parseInput(restoreSchema, body);
    const old = (await this.articles.revisions(id, locale)).find((r) => r.revision === input.revision);
    if (!old) throw new NotFoundException('revision not found');
    return this.run(
      id,
      {
        kind: 'revise',
        locale,
        content: { title: old.title, body: old.body, tags: old.tags },
        note: input.note ?? `restored revision ${input.revision}`,
        restoredFrom: input.revision,
        by: p.subject,
      },
      req,
    );
  }

  @Post(':id/locales/:locale/review-requests')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'Send the latest draft to review by the named reviewers' })
  @ApiBody({ schema: openApiSchema(reviewRequestSchema) })
  @ArticleCommandDocs(201)
  requestReview(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') l: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(reviewRequestSchema, body);
    return this.run(
      id,
      { kind: 'request-review', locale: parseLocale(l), reviewers: input.reviewers, by: p.subject },
      req,
    );
  }

  @Post(':id/locales/:locale/comments')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'Comment on the revision under work (agents only)' })
  @ApiBody({ schema: openApiSchema(commentSchema) })
  @ArticleCommandDocs(201)
  comment(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') l: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(commentSchema, body);
    return this.run(
      id,
      { kind: 'comment', locale: parseLocale(l), commentId: randomUUID(), text: input.text, by: p.subject },
      req,
    );
  }

  @Get(':id/locales/:locale/comments')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'The review comments of a locale, oldest first' })
  @ApiUuidParam('id')
  @ApiAnswer(commentsAnswer)
  @ApiErrors(400, 401, 403, 404)
  async comments(@Param('id', new ParseUUIDPipe()) id: string, @Param('locale') l: string) {
    const locale = parseLocale(l);
    const events = await this.articles.events(id);
    if (events.length === 0) throw new NotFoundException('article not found');
    return {
      comments: events
        .filter((e) => e.type === 'knowledge.review-commented.v1' && e.data.locale === locale)
        .map((e) => e.data),
    };
  }

  @Post(':id/locales/:locale/approvals')
  @HttpCode(200)
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'Approve the revision in review (a named reviewer, not its author)' })
  @ArticleCommandDocs()
  approve(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') l: string,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    return this.run(id, { kind: 'approve', locale: parseLocale(l), by: p.subject }, req);
  }

  @Post(':id/locales/:locale/change-requests')
  @HttpCode(200)
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'Send the revision in review back to draft, with what to change' })
  @ApiBody({ schema: openApiSchema(noteOnlySchema) })
  @ArticleCommandDocs()
  requestChanges(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') l: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(noteOnlySchema, body ?? {});
    return this.run(
      id,
      {
        kind: 'request-changes',
        locale: parseLocale(l),
        ...(input.note ? { note: input.note } : {}),
        by: p.subject,
      },
      req,
    );
  }

  @Post(':id/locales/:locale/publication')
  @HttpCode(200)
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'Publish the approved revision now (admins may skip review)' })
  @ApiBody({ schema: openApiSchema(publishSchema) })
  @ArticleCommandDocs()
  publish(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') l: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(publishSchema, body ?? {});
    if (input.skipReview && !p.roles.includes('admin'))
      throw new UnprocessableEntityException('only an admin may publish without review');
    return this.run(
      id,
      { kind: 'publish', locale: parseLocale(l), skipReview: input.skipReview, by: p.subject },
      req,
    );
  }

  @Delete(':id/locales/:locale/publication')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'Unpublish a locale (its revisions stay)' })
  @ArticleCommandDocs()
  unpublish(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') l: string,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    return this.run(id, { kind: 'unpublish', locale: parseLocale(l), by: p.subject }, req);
  }

  @Post(':id/locales/:locale/schedule')
  @HttpCode(200)
  @Roles('supervisor', 'admin')
  @ApiOperation({
    summary:
      'Publish the approved revision at a time (the scheduler publishes it within a poll interval of it)',
  })
  @ApiBody({ schema: openApiSchema(scheduleSchema) })
  @ArticleCommandDocs()
  schedule(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') l: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(scheduleSchema, body);
    return this.run(
      id,
      {
        kind: 'schedule',
        locale: parseLocale(l),
        publishAt: new Date(input.publishAt).toISOString(),
        by: p.subject,
      },
      req,
    );
  }

  @Delete(':id/locales/:locale/schedule')
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'Cancel a scheduled publish' })
  @ArticleCommandDocs()
  cancelSchedule(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') l: string,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    return this.run(id, { kind: 'cancel-schedule', locale: parseLocale(l), by: p.subject }, req);
  }

  @Post(':id/locales/:locale/verification')
  @HttpCode(200)
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary:
      'The owner checked the published locale: still right; the review-by date moves on and the stale flag goes',
  })
  @ArticleCommandDocs()
  verify(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('locale') l: string,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    return this.run(id, { kind: 'verify', locale: parseLocale(l), by: p.subject }, req);
  }

  @Post(':id/archive')
  @HttpCode(200)
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: 'Archive the article: every locale leaves the knowledge base; its history stays' })
  @ArticleCommandDocs()
  archive(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    return this.run(id, { kind: 'archive', by: p.subject }, req);
  }
}
