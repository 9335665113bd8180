import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  HttpCode,
  Inject,
  Post,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { IMPORT_SOURCES } from '@journey/contracts';
import { WrongExpectedRevisionError } from '@journey/eventstore';
import { ApiAnswer, ApiErrors, correlationIdOf, openApiSchema, parseInput, Roles } from '@journey/platform';
import {
  IMPORT_ENTRIES_MAX,
  IMPORT_TICKETS_MAX,
  importedTickets,
  importRequestSchema,
} from '../import/import-formats';
import { TicketImport } from '../import/ticket-import';
import { TICKETS_OPTIONS } from '../tickets-options';
import type { TicketsOptions } from '../tickets-options';

const importAnswer = z.object({
  source: z.enum(IMPORT_SOURCES),
  tickets: z.array(
    z.object({
      externalId: z.string(),
      ticketId: z.uuid(),
      recorded: z.number().int().describe('events this run recorded: 0 when an earlier run recorded them'),
      skipped: z.array(z.object({ key: z.string(), reason: z.string() })),
      error: z.string().optional().describe('why nothing of this ticket was recorded'),
    }),
  ),
});

@ApiTags('import')
@ApiBearerAuth()
@Controller('v1/imports')
export class ImportsController {
  constructor(
    private readonly importer: TicketImport,
    @Inject(TICKETS_OPTIONS) private readonly options: TicketsOptions,
  ) {}

  @Post('tickets')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: 'Import ticket history exported from Zendesk, Chatwoot or Zammad',
    description: `Each ticket's customer messages, agent, bot and auto-replies, internal notes, status, assignment and priority changes and rating are recorded as events at their own times, through the same rules as live tickets (SLA clocks and breaches included). Importing the same export again records nothing; an entry the first export lacked is added with its own time. Up to ${IMPORT_TICKETS_MAX} tickets and ${IMPORT_ENTRIES_MAX} entries per ticket a request, within the body limit. A ticket still open afterwards queues here for routing. Zendesk's good/bad rating becomes 5/1.`,
  })
  @ApiBody({ schema: openApiSchema(importRequestSchema) })
  @ApiAnswer(importAnswer)
  @ApiErrors(400, 401, 403, 409, 413)
  async importTickets(@Body() body: unknown, @Req() req: Request) {
    const request = parseInput(importRequestSchema, body);
    const correlationId = correlationIdOf(req);
    const histories = importedTickets(request, this.options.defaultGroup);
    const long = histories.find((t) => t.entries.length > IMPORT_ENTRIES_MAX);
    if (long)
      throw new BadRequestException(
        `ticket ${long.externalId} has ${long.entries.length} entries; at most ${IMPORT_ENTRIES_MAX} per ticket`,
      );
    const tickets = [];
    for (const ticket of histories) {
      try {
        tickets.push(await this.importer.record(ticket, correlationId));
      } catch (err) {
        if (err instanceof WrongExpectedRevisionError)
          throw new ConflictException(
            `ticket ${ticket.externalId} changed while it was imported (another import of it?); try again`,
          );
        throw err;
      }
    }
    return { source: request.source, tickets };
  }
}
