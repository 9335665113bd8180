import { Body, Controller, Get, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  ApiErrors,
  correlationIdOf,
  CurrentPrincipal,
  openApiSchema,
  parseInput,
  Roles,
} from '@journey/platform';
import type { Principal } from '@journey/platform';
import { ruleSetSchema } from '../domain/channel-rules';
import type { RuleSet } from '../domain/channel-rules';
import { RuleBook } from './rule-book';

@ApiTags('rules')
@ApiBearerAuth()
@Controller('v1/channel-rules')
export class RulesController {
  constructor(private readonly ruleBook: RuleBook) {}

  @Get()
  @Roles('agent', 'supervisor', 'ops')
  @ApiOperation({ summary: 'The auto-reply and routing rules and the business hours they use' })
  @ApiOkResponse({ schema: openApiSchema(ruleSetSchema) })
  get(): Promise<RuleSet> {
    return this.ruleBook.current();
  }

  @Put()
  @Roles('supervisor')
  @ApiOperation({
    summary: 'Replace the rule set',
    description:
      'Rules are evaluated in order on every incoming message. Every matching rule adds routing hints (group, skill, priority; an earlier rule wins a field); the first matching auto-reply outside its cooldown is sent.',
  })
  @ApiBody({ schema: openApiSchema(ruleSetSchema) })
  @ApiOkResponse({ schema: openApiSchema(ruleSetSchema) })
  @ApiErrors(400, 409, 413)
  put(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ): Promise<RuleSet> {
    const set = parseInput(ruleSetSchema, body);
    return this.ruleBook.replace(set, principal.subject, correlationIdOf(req));
  }
}
