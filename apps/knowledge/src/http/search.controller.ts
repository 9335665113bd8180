import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { ArticleAudience } from '@journey/contracts';
import {
  ApiAnswer,
  ApiErrors,
  correlationIdOf,
  CurrentPrincipal,
  parseInput,
  Roles,
} from '@journey/platform';
import type { Principal } from '@journey/platform';
import { audiencesFor, KnowledgeSearch } from '../search/knowledge-search';
import { SearchIndex } from '../search/search-index';
import { agentSearchQuerySchema, indexStatusAnswer, searchAnswer } from './knowledge-api.schemas';

/** The widest audience a caller may search: agents see internal articles; a service (WeChat, the widget's backend) up to VIP. */
function widestFor(principal: Principal, asked: ArticleAudience): ArticleAudience {
  const staff = principal.roles.some((r) => r === 'agent' || r === 'supervisor' || r === 'admin');
  const allowed: ArticleAudience = staff ? 'internal' : 'vip';
  const order: ArticleAudience[] = ['public', 'vip', 'internal'];
  return order[Math.min(order.indexOf(asked), order.indexOf(allowed))] as ArticleAudience;
}

@ApiTags('search')
@ApiBearerAuth()
@Controller('v1/search')
export class SearchController {
  constructor(
    private readonly search: KnowledgeSearch,
    private readonly index: SearchIndex,
  ) {}

  @Get()
  @Roles('agent', 'supervisor', 'admin', 'service')
  @ApiOperation({
    summary:
      'Search for agents and services: every audience the caller may see (agents: internal too; services: up to VIP)',
    description: 'The same index and ranking as the public help centre; audience narrows what is searched.',
  })
  @ApiAnswer(searchAnswer)
  @ApiErrors(400, 401, 403)
  find(@Query() query: unknown, @CurrentPrincipal() principal: Principal, @Req() req: Request) {
    const q = parseInput(agentSearchQuerySchema, query, 'query');
    return this.search.search(
      {
        query: q.q,
        ...(q.locale ? { locale: q.locale } : {}),
        ...(q.product ? { products: q.product } : {}),
        ...(q.category ? { category: q.category } : {}),
        audiences: audiencesFor(widestFor(principal, q.audience)),
        offset: q.offset,
        limit: q.limit,
        asYouType: q.asYouType === 'true',
        channel: q.channel,
      },
      correlationIdOf(req),
    );
  }

  @Get('status')
  @Roles('agent', 'supervisor', 'admin', 'ops')
  @ApiOperation({
    summary: 'The index of this replica: caught up with the article log, events folded, articles served',
  })
  @ApiAnswer(indexStatusAnswer)
  @ApiErrors(401, 403)
  status() {
    return this.index.status();
  }
}
