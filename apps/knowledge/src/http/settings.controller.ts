import { Body, Controller, Get, Inject, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { KnowledgeEvent } from '@journey/contracts';
import type { EventStore } from '@journey/eventstore';
import { EVENT_STORE } from '@journey/messaging';
import {
  ApiAnswer,
  ApiErrors,
  correlationIdOf,
  CurrentPrincipal,
  openApiSchema,
  parseInput,
  Roles,
} from '@journey/platform';
import type { Principal } from '@journey/platform';
import { toNewEvent } from '../knowledge-events';
import { ANSWER_POLICY_STREAM, SYNONYMS_STREAM } from '../knowledge-ids';
import { SearchIndex } from '../search/search-index';
import { answerPolicySchema, okAnswer, policyAnswer, synonymsSchema } from './knowledge-api.schemas';

@ApiTags('settings')
@ApiBearerAuth()
@Controller('v1/settings')
export class SettingsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly index: SearchIndex,
  ) {}

  private async append(stream: string, event: KnowledgeEvent, req: Request): Promise<void> {
    await this.store.append(stream, [toNewEvent(event, correlationIdOf(req))], 'any');
  }

  @Put('synonyms')
  @Roles('admin')
  @ApiOperation({ summary: 'Replace the synonym sets of a locale (each set: terms that find each other)' })
  @ApiBody({ schema: openApiSchema(synonymsSchema) })
  @ApiAnswer(okAnswer)
  @ApiErrors(400, 401, 403)
  async setSynonyms(@Body() body: unknown, @CurrentPrincipal() p: Principal, @Req() req: Request) {
    const { locale, ...input } = parseInput(synonymsSchema, body);
    await this.append(
      SYNONYMS_STREAM,
      {
        type: 'knowledge.synonyms-configured.v1',
        data: { locale, sets: input.sets, by: p.subject, at: new Date().toISOString() },
      },
      req,
    );
    return { ok: true };
  }

  @Put('answer-policy')
  @Roles('admin')
  @ApiOperation({
    summary:
      'When inbound messages may be answered automatically: threshold, VIP tiers and flagged products that go to a person, phrases that ask for one',
  })
  @ApiBody({ schema: openApiSchema(answerPolicySchema) })
  @ApiAnswer(okAnswer)
  @ApiErrors(400, 401, 403)
  async setPolicy(@Body() body: unknown, @CurrentPrincipal() p: Principal, @Req() req: Request) {
    const input = parseInput(answerPolicySchema, body);
    await this.append(
      ANSWER_POLICY_STREAM,
      {
        type: 'knowledge.answer-policy-configured.v1',
        data: { ...input, by: p.subject, at: new Date().toISOString() },
      },
      req,
    );
    return { ok: true };
  }

  @Get('answer-policy')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'The auto-answer policy this replica applies' })
  @ApiAnswer(policyAnswer)
  @ApiErrors(401, 403)
  policy() {
    return this.index.answerPolicy();
  }
}
