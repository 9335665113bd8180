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
  Patch,
  Post,
  Query,
  Req,
  Res,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import type { Document, Filter } from 'mongodb';
import { WrongExpectedRevisionError } from '@journey/eventstore';
import {
  ApiAnswer,
  ApiErrors,
  ApiUuidParam,
  correlationIdOf,
  CurrentPrincipal,
  EventStreams,
  openApiSchema,
  parseInput,
  Roles,
} from '@journey/platform';
import type { Principal, StreamEvent } from '@journey/platform';
import { GUARD_FIELD, servedFields } from '@journey/projections';
import { Agents } from '../agent/agents';
import { Boards } from '../board/boards';
import { TicketsSettings } from '../sla/sla-book';
import { derivedId } from '../ticket/ticket-ids';
import { Tickets } from '../ticket/tickets';
import type { TicketRequest } from '../ticket/tickets';
import { TICKETS_OPTIONS } from '../tickets-options';
import type { TicketsOptions } from '../tickets-options';
import { Inject } from '@nestjs/common';
import {
  assignSchema,
  commandAnswer,
  createTicketSchema,
  escalateSchema,
  evaluationSchema,
  mergeSchema,
  noteSchema,
  replySchema,
  statusSchema,
  ticketAnswer,
  ticketPage,
  ticketQuerySchema,
  transferSchema,
  updateTicketSchema,
} from './tickets-api.schemas';
import type { TicketQuery } from './tickets-api.schemas';

/** Queues oldest first; any other search the most recently updated first. */
function sortOf(q: TicketQuery): Record<string, 1 | -1> {
  return q.queued === 'true' ? { openedAt: 1, _id: 1 } : { updatedAt: -1, _id: 1 };
}

const liveQuerySchema = ticketQuerySchema.extend({ ticket: z.uuid().optional() }).strict();

/** A board document as the API answers it. */
export function ticketView(doc: Document): Record<string, unknown> {
  const { origin: _o, timeline, ...rest } = servedFields(doc);
  // By each line's own time (an imported late entry arrives after later ones); ties keep their order.
  const lines = Array.isArray(timeline)
    ? (timeline as { at?: string }[])
        .map((line, i) => ({ line, i }))
        .sort((a, b) => String(a.line.at).localeCompare(String(b.line.at)) || a.i - b.i)
        .map(({ line }) => line)
    : undefined;
  return { ...rest, ...(lines ? { timeline: lines } : {}), ticketId: String(doc['_id']) };
}

@ApiTags('tickets')
@ApiBearerAuth()
@Controller('v1/tickets')
export class TicketsController implements BeforeApplicationShutdown {
  constructor(
    private readonly tickets: Tickets,
    private readonly boards: Boards,
    private readonly agents: Agents,
    private readonly settings: TicketsSettings,
    @Inject(TICKETS_OPTIONS) private readonly options: TicketsOptions,
  ) {
    this.streams = new EventStreams({
      max: options.liveMaxStreams,
      maxPerKey: 16,
      maxDurationMs: 10 * 60_000,
      maxBufferedBytes: 4 * 1024 * 1024,
      staleAfterMs: 5_000,
    });
  }

  /** Open streams end first: the HTTP server cannot close while one is open. */
  beforeApplicationShutdown(): void {
    this.streams.closeAll();
  }

  private readonly streams: EventStreams;

  private async run(ticketId: string, request: TicketRequest, req: Request, commandKey?: string) {
    try {
      const outcome = await this.tickets.execute(ticketId, request, {
        correlationId: correlationIdOf(req),
        ...(commandKey ? { commandKey } : {}),
      });
      if (!outcome.ok) {
        if (outcome.reason === 'no such ticket') throw new NotFoundException('ticket not found');
        throw new UnprocessableEntityException(outcome.reason);
      }
      return {
        ticketId,
        events: outcome.events.map((e) => e.type),
        ...(outcome.state?.status ? { status: outcome.state.status } : {}),
      };
    } catch (err) {
      if (err instanceof WrongExpectedRevisionError)
        throw new ConflictException('the ticket changed meanwhile; try again');
      throw err;
    }
  }

  @Post()
  @Roles('agent', 'supervisor', 'admin', 'service')
  @ApiOperation({ summary: 'Open a ticket (an agent, or another system through the API)' })
  @ApiBody({ schema: openApiSchema(createTicketSchema) })
  @ApiAnswer(commandAnswer, 201)
  @ApiErrors(400, 401, 403)
  async create(@Body() body: unknown, @CurrentPrincipal() principal: Principal, @Req() req: Request) {
    const input = parseInput(createTicketSchema, body);
    const ticketId = randomUUID();
    const { group, ...rest } = input;
    return this.run(
      ticketId,
      {
        kind: 'open',
        ticket: {
          ticketId,
          origin: { kind: principal.roles.includes('service') ? 'api' : 'agent' },
          ...rest,
          group: group ?? this.options.defaultGroup,
          openedBy: principal.subject,
        },
      },
      req,
    );
  }

  @Get()
  @Roles('agent', 'supervisor', 'admin', 'ops')
  @ApiOperation({
    summary:
      'Search tickets: my queue (assignee=me), a group queue (group, queued=true), breaching soon, by tag or contact',
    description:
      'Oldest first for queues; otherwise the most recently updated first. A read model fed from Kafka: a change shows a moment after it was recorded.',
  })
  @ApiAnswer(ticketPage)
  @ApiErrors(400, 401, 403)
  async search(@Query() query: unknown, @CurrentPrincipal() principal: Principal) {
    const { docs, total } = await this.page(parseInput(ticketQuerySchema, query, 'query'), principal);
    return { tickets: docs.map(ticketView), total };
  }

  /** One page of a search, without timelines, and how many tickets match in all. */
  private async page(q: TicketQuery, principal: Principal): Promise<{ docs: Document[]; total: number }> {
    const collection = await this.boards.tickets();
    const filter = this.filterOf(q, principal);
    const [docs, total] = await Promise.all([
      collection
        .find(filter)
        .sort(sortOf(q))
        .skip(q.offset)
        .limit(q.limit)
        .project({ timeline: 0 })
        .toArray(),
      collection.countDocuments(filter),
    ]);
    return { docs, total };
  }

  /** The board filter of a search (also what a live stream watches). */
  private filterOf(q: TicketQuery, principal: Principal): Filter<Document> {
    const and: Filter<Document>[] = [{ openedAt: { $exists: true } }];
    if (q.status) and.push({ status: { $in: q.status } });
    if (q.assignee) and.push({ assignee: q.assignee === 'me' ? principal.subject : q.assignee });
    if (q.group) and.push({ group: { $in: q.group } });
    if (q.tag) and.push({ tags: q.tag });
    if (q.contact) and.push({ contactId: q.contact });
    if (q.queued === 'true') and.push(this.boards.queued());
    if (q.breachingWithinMinutes !== undefined) {
      const before = new Date(Date.now() + q.breachingWithinMinutes * 60_000).toISOString();
      and.push({
        $or: ['first-response', 'next-response', 'resolution', 'periodic-update'].map((m) => ({
          [`clocks.${m}.state`]: 'running',
          [`clocks.${m}.dueAt`]: { $lte: before },
        })),
      });
    }
    return { $and: and };
  }

  @Get('live')
  @Roles('agent', 'supervisor', 'admin', 'ops')
  @ApiOperation({
    summary:
      'Server-sent events: a search (the same filters) or one ticket (?ticket=), sent again whenever it changes',
    description:
      'text/event-stream. With the search filters: event `tickets` ({tickets, total}, as GET /v1/tickets answers) at once and after every change of the page. With ticket=<id>: event `ticket` (as GET /v1/tickets/{id}). The board is polled every second, so every replica serves every change; `stale` when the board cannot be read three times in a row or does not answer within 5 s, `fresh` when it can again. Authorization is the usual bearer header (read the stream with fetch). A stream lasts at most 10 minutes (the client opens the next one with its current token); 16 per user, TICKETS_LIVE_MAX_STREAMS per replica.',
  })
  @ApiOkResponse({
    description: 'The stream',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiErrors(400, 401, 403, 429, 503)
  live(
    @Query() query: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    const { ticket, ...rest } = parseInput(liveQuerySchema, query, 'query');
    let seen: string | undefined;
    const changed = (signature: string) => {
      if (signature === seen) return false;
      seen = signature;
      return true;
    };
    const poll = async (): Promise<StreamEvent[]> => {
      if (ticket) {
        const doc = await this.boards.ticket(ticket);
        const signature = doc?.['openedAt'] ? String(doc[GUARD_FIELD] ?? JSON.stringify(doc)) : 'none';
        if (!changed(signature)) return [];
        return [
          { event: 'ticket', data: doc?.['openedAt'] ? ticketView(doc) : { ticketId: ticket, found: false } },
        ];
      }
      const { docs, total } = await this.page(rest, principal);
      const signature = `${total}|${docs.map((d) => `${String(d['_id'])}:${String(d[GUARD_FIELD])}`).join(',')}`;
      if (!changed(signature)) return [];
      return [{ event: 'tickets', data: { tickets: docs.map(ticketView), total } }];
    };
    this.streams.serve(req, res, poll, { intervalMs: this.options.liveIntervalMs, key: principal.subject });
  }

  @Get(':id')
  @Roles('agent', 'supervisor', 'admin', 'ops')
  @ApiOperation({
    summary:
      'A ticket with its whole timeline: messages, replies and their delivery, notes, assignments with reasons, transfers, SLA clocks',
  })
  @ApiUuidParam('id')
  @ApiAnswer(ticketAnswer)
  @ApiErrors(400, 401, 403, 404)
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const doc = await this.boards.ticket(id);
    if (!doc?.['openedAt']) throw new NotFoundException('ticket not found');
    return ticketView(doc);
  }

  @Patch(':id')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary:
      'Change subject, priority, type, tags, followers, skills, custom fields or linked orders (SLA targets follow a priority change)',
  })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(updateTicketSchema) })
  @ApiAnswer(commandAnswer)
  @ApiErrors(400, 401, 403, 404, 409, 422)
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    return this.run(
      id,
      { kind: 'update', changes: parseInput(updateTicketSchema, body), by: p.subject },
      req,
    );
  }

  @Post(':id/replies')
  @Roles('agent', 'supervisor')
  @ApiOperation({
    summary: "A public reply: recorded on the ticket, sent by channels on the conversation's channel",
    description:
      'Channels consumes the reply from Kafka and delivers it; delivery and failures come back to the ticket. Only a reply here counts as a response for SLAs. clientMessageId makes a retry safe.',
  })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(replySchema) })
  @ApiAnswer(commandAnswer, 201)
  @ApiErrors(400, 401, 403, 404, 409, 422)
  reply(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(replySchema, body);
    const replyId = input.clientMessageId
      ? derivedId(`reply:${id}:${p.subject}:${input.clientMessageId}`)
      : randomUUID();
    return this.run(
      id,
      {
        kind: 'reply',
        replyId,
        authorId: p.subject,
        text: input.text,
        attachments: input.attachments,
        ...(input.status ? { status: input.status } : {}),
      },
      req,
      `reply:${replyId}`,
    ).then((a) => ({ ...a, replyId }));
  }

  @Post(':id/notes')
  @Roles('agent', 'supervisor')
  @ApiOperation({ summary: 'An internal note: agents see it, the customer never does' })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(noteSchema) })
  @ApiAnswer(commandAnswer, 201)
  @ApiErrors(400, 401, 403, 404, 409, 422)
  note(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(noteSchema, body);
    const noteId = input.clientMessageId
      ? derivedId(`note:${id}:${p.subject}:${input.clientMessageId}`)
      : randomUUID();
    return this.run(
      id,
      { kind: 'note', noteId, authorId: p.subject, text: input.text },
      req,
      `note:${noteId}`,
    );
  }

  @Post(':id/status')
  @HttpCode(200)
  @Roles('agent', 'supervisor')
  @ApiOperation({
    summary:
      'Set the status: open, pending (clocks pause), on-hold, solved (clocks stop, the CSAT survey goes out)',
  })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(statusSchema) })
  @ApiAnswer(commandAnswer)
  @ApiErrors(400, 401, 403, 404, 409, 422)
  status(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    return this.run(
      id,
      { kind: 'set-status', to: parseInput(statusSchema, body).status, by: p.subject },
      req,
    );
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Roles('supervisor', 'admin')
  @ApiOperation({ summary: "A supervisor gives the ticket to an agent (within the agent's capacity)" })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(assignSchema) })
  @ApiAnswer(commandAnswer)
  @ApiErrors(400, 401, 403, 404, 409, 422)
  async assign(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const { agentId } = parseInput(assignSchema, body);
    return this.handTo(id, agentId, p.subject, req);
  }

  /** Claims the agent's slot first (capacity), then assigns; a refused assignment frees the slot. */
  private async handTo(ticketId: string, agentId: string, by: string, req: Request) {
    const { state } = await this.tickets.load(ticketId);
    if (!state.status) throw new NotFoundException('ticket not found');
    const channel = state.origin?.kind === 'conversation' ? state.origin.channel : 'none';
    const claim = await this.agents.execute(
      agentId,
      { kind: 'claim', ticketId, channel, at: new Date().toISOString() },
      { correlationId: correlationIdOf(req) },
    );
    if (!claim.ok) throw new UnprocessableEntityException(`${agentId}: ${claim.reason}`);
    try {
      return await this.run(ticketId, { kind: 'assign', agentId, by, onlyIfUnassigned: false }, req);
    } catch (err) {
      await this.agents.execute(
        agentId,
        { kind: 'release', ticketId, at: new Date().toISOString() },
        { correlationId: correlationIdOf(req) },
      );
      throw err;
    }
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @Roles('agent', 'supervisor')
  @ApiOperation({
    summary: 'Hand the ticket to a group (and optionally an agent of it) with a note the next agent sees',
  })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(transferSchema) })
  @ApiAnswer(commandAnswer)
  @ApiErrors(400, 401, 403, 404, 409, 422)
  async transfer(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(transferSchema, body);
    const moved = await this.run(
      id,
      {
        kind: 'transfer',
        toGroup: input.group,
        ...(input.agentId ? { toAgentId: input.agentId } : {}),
        note: input.note,
        by: p.subject,
      },
      req,
    );
    return input.agentId ? this.handTo(id, input.agentId, p.subject, req) : moved;
  }

  @Post(':id/escalate')
  @HttpCode(200)
  @Roles('agent', 'supervisor')
  @ApiOperation({
    summary: "Escalate to the next tier (the group's escalation target unless one is named), with a note",
  })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(escalateSchema) })
  @ApiAnswer(commandAnswer)
  @ApiErrors(400, 401, 403, 404, 409, 422)
  async escalate(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(escalateSchema, body);
    const { state } = await this.tickets.load(id);
    if (!state.status) throw new NotFoundException('ticket not found');
    const toGroup =
      input.group ?? (state.group ? (await this.settings.group(state.group))?.escalatesTo : undefined);
    if (!toGroup)
      throw new BadRequestException(`group ${state.group ?? ''} has no escalation target: name one`);
    return this.run(
      id,
      {
        kind: 'escalate',
        toGroup,
        note: input.note,
        by: p.subject,
        ...(input.raisePriority ? { raisePriority: input.raisePriority } : {}),
      },
      req,
    );
  }

  @Post(':id/evaluations')
  @HttpCode(200)
  @Roles('supervisor')
  @ApiOperation({
    summary: "A supervisor's evaluation of the agent's handling against a rubric (0–5 per criterion)",
    description:
      'One per supervisor and ticket: evaluating again replaces the earlier one (same evaluationId). An agent is never evaluated on their own say.',
  })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(evaluationSchema) })
  @ApiAnswer(commandAnswer)
  @ApiErrors(400, 401, 403, 404, 409, 422)
  async evaluate(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(evaluationSchema, body);
    return this.run(
      id,
      {
        kind: 'evaluate',
        evaluationId: derivedId(`evaluation:${id}:${p.subject}`),
        rubric: input.rubric,
        scores: input.scores,
        ...(input.agentId ? { agentId: input.agentId } : {}),
        ...(input.comment ? { comment: input.comment } : {}),
        by: p.subject,
      },
      req,
    );
  }

  @Post(':id/merge')
  @HttpCode(200)
  @Roles('agent', 'supervisor')
  @ApiOperation({ summary: 'Merge this ticket into another: it closes, the other takes its conversation' })
  @ApiUuidParam('id')
  @ApiBody({ schema: openApiSchema(mergeSchema) })
  @ApiAnswer(commandAnswer)
  @ApiErrors(400, 401, 403, 404, 409, 422)
  async merge(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ) {
    const { intoTicketId } = parseInput(mergeSchema, body);
    const { state } = await this.tickets.load(id);
    const absorbed = await this.run(
      intoTicketId,
      {
        kind: 'absorb',
        mergedTicketId: id,
        ...(state.origin?.kind === 'conversation' ? { conversationId: state.origin.conversationId } : {}),
        by: p.subject,
      },
      req,
      `absorb:${id}:${intoTicketId}`,
    );
    await this.run(
      id,
      { kind: 'merge-into', intoTicketId, by: p.subject },
      req,
      `merge:${id}:${intoTicketId}`,
    );
    return absorbed;
  }
}
