import {
  Body,
  Controller,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Req,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { ApiAnswer, ApiErrors, correlationIdOf, openApiSchema, parseInput, Public } from '@journey/platform';
import { Tickets } from '../ticket/tickets';
import { csatSchema } from './tickets-api.schemas';

@ApiTags('csat')
@Controller('v1/csat')
export class CsatController {
  constructor(private readonly tickets: Tickets) {}

  @Post(':token')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: "The customer's rating, 1–5 with an optional comment, once per survey",
    description:
      'Public: the token from the survey link is the credential. It works once and expires (TICKETS_CSAT_TTL_DAYS).',
  })
  @ApiBody({ schema: openApiSchema(csatSchema) })
  @ApiAnswer(z.object({ ok: z.literal(true) }))
  @ApiErrors(400, 404, 422)
  async rate(@Param('token') token: string, @Body() body: unknown, @Req() req: Request) {
    const input = parseInput(csatSchema, body);
    const opened = token.length <= 300 ? this.tickets.tokens.open(token) : undefined;
    if (!opened) throw new NotFoundException('no such survey');
    const outcome = await this.tickets.execute(
      opened.ticketId,
      {
        kind: 'rate',
        surveyId: opened.surveyId,
        score: input.score,
        ...(input.comment ? { comment: input.comment } : {}),
      },
      { correlationId: correlationIdOf(req) },
    );
    if (!outcome.ok) throw new UnprocessableEntityException(outcome.reason);
    return { ok: true };
  }
}
