import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import {
  ApiAnswer,
  ApiErrors,
  ApiUuidParam,
  correlationIdOf,
  openApiSchema,
  parseInput,
  Public,
} from '@journey/platform';
import { renderArticleHtml } from '../article/domain/markdown';
import { ReaderActivity } from '../feedback/reader-activity';
import { KnowledgeSearch } from '../search/knowledge-search';
import { SearchIndex } from '../search/search-index';
import {
  articleReadAnswer,
  feedbackSchema,
  okAnswer,
  readQuerySchema,
  requestAnswer,
  searchAnswer,
  searchQuerySchema,
  updateRequestSchema,
} from './knowledge-api.schemas';

/**
 * The public help centre: what the portal, the chat widget and WeChat call, without a token. Only
 * published articles of the public audience exist here.
 */
@ApiTags('help-center')
@Public()
@Controller('v1/help')
export class HelpCenterController {
  constructor(
    private readonly search: KnowledgeSearch,
    private readonly index: SearchIndex,
    private readonly activity: ReaderActivity,
  ) {}

  @Get('search')
  @ApiOperation({
    summary: 'Search published public articles (Chinese and English, typo-tolerant, synonyms, highlights)',
    description:
      'Filters: locale, product (repeatable), category; offset/limit pagination; asYouType=true completes the last word. Internal and VIP-only articles never appear here.',
  })
  @ApiAnswer(searchAnswer)
  @ApiErrors(400)
  find(@Query() query: unknown, @Req() req: Request) {
    const q = parseInput(searchQuerySchema, query, 'query');
    return this.search.search(
      {
        query: q.q,
        ...(q.locale ? { locale: q.locale } : {}),
        ...(q.product ? { products: q.product } : {}),
        ...(q.category ? { category: q.category } : {}),
        audiences: ['public'],
        offset: q.offset,
        limit: q.limit,
        asYouType: q.asYouType === 'true',
        channel: q.channel,
      },
      correlationIdOf(req),
    );
  }

  @Get('articles/:id')
  @ApiOperation({
    summary: 'Read a published public article (sanitised HTML); the view is recorded per channel',
  })
  @ApiUuidParam('id')
  @ApiAnswer(articleReadAnswer)
  @ApiErrors(400, 404)
  async read(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: unknown, @Req() req: Request) {
    const q = parseInput(readQuerySchema, query, 'query');
    const article = this.index.articles.get(id, q.locale, ['public']);
    if (!article) throw new NotFoundException('article not found');
    await this.activity.record(
      {
        type: 'knowledge.article-viewed.v1',
        data: {
          articleId: id,
          locale: q.locale,
          channel: q.channel,
          ...(q.contactId ? { contactId: q.contactId } : {}),
          at: new Date().toISOString(),
        },
      },
      correlationIdOf(req),
    );
    return {
      articleId: id,
      locale: q.locale,
      revision: article.revision,
      title: article.title,
      html: renderArticleHtml(article.body),
      tags: article.tags,
      products: article.products,
      ...(article.category ? { category: article.category } : {}),
      publishedAt: article.publishedAt,
      outdated: this.index.articles.isOutdated(id, q.locale),
      translations: this.index.articles.localesOf(id),
    };
  }

  @Post('articles/:id/feedback')
  @ApiOperation({ summary: 'Was this article helpful? (not helpful needs a reason)' })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(feedbackSchema) })
  @ApiAnswer(okAnswer, 201)
  @ApiErrors(400, 404)
  async feedback(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown, @Req() req: Request) {
    const input = parseInput(feedbackSchema, body);
    if (!this.index.articles.get(id, input.locale, ['public']))
      throw new NotFoundException('article not found');
    await this.activity.record(
      {
        type: 'knowledge.feedback-given.v1',
        data: { articleId: id, feedbackId: randomUUID(), ...input, at: new Date().toISOString() },
      },
      correlationIdOf(req),
    );
    return { ok: true };
  }

  @Post('articles/:id/update-requests')
  @ApiOperation({
    summary: 'Ask for the article to be updated: queued for its owner, shown in the content-gap report',
  })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(updateRequestSchema) })
  @ApiAnswer(requestAnswer, 201)
  @ApiErrors(400, 404)
  async requestUpdate(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @Req() req: Request,
  ) {
    const input = parseInput(updateRequestSchema, body);
    if (!this.index.articles.get(id, input.locale, ['public']))
      throw new NotFoundException('article not found');
    const requestId = randomUUID();
    await this.activity.record(
      {
        type: 'knowledge.update-requested.v1',
        data: { articleId: id, requestId, ...input, at: new Date().toISOString() },
      },
      correlationIdOf(req),
    );
    return { ok: true, requestId };
  }
}
