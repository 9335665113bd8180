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
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
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
import { ATTACHMENTS_MAX, attachmentReference, MESSAGE_TEXT_MAX } from '@journey/contracts';
import { unprocessable } from '../../webhooks/signed/signed-webhooks.controller';
import { CHANNELS_ANSWERS } from '../../channels-api.responses';
import { Conversations } from '../conversations';
import { conversationCalls, conversationMessages } from '../domain/conversation-messages';
import { agentText } from '../../delivery/csat-survey';
import { ConversationList, conversationQuerySchema } from '../list/conversation-list';
import { ReplySender } from '../send-reply/reply-sender';

const replySchema = z
  .object({
    text: z.string().min(1).max(MESSAGE_TEXT_MAX),
    attachments: z.array(attachmentReference).max(ATTACHMENTS_MAX).default([]),
    clientMessageId: z.string().min(1).max(100).optional(),
  })
  .strict();

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('v1/conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: Conversations,
    private readonly replies: ReplySender,
    private readonly list: ConversationList,
  ) {}

  @Get()
  @Roles('agent', 'supervisor', 'ops')
  @ApiOperation({
    summary: 'Conversations, the most recently updated first, filtered and searched, a page at a time',
    description:
      'Filters combine: channel, channelId, status (awaiting-agent: the customer wrote last or a call was missed; awaiting-customer: an agent answered; erased), contact (the contacts its messages were attributed to), updatedSince, and q (words in the subject, the last message or an identity, any case). Pass nextCursor as cursor for the next page. The list is a read model fed from Kafka: a message shows in it a moment after it was recorded. Phone conversations list their calls (direction, times, duration, whether a recording and a transcript exist; GET /v1/conversations/{id} gives them).',
  })
  @ApiQuery({
    name: 'channel',
    required: false,
    enum: [...conversationQuerySchema.shape.channel.unwrap().options],
  })
  @ApiQuery({ name: 'channelId', required: false })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: [...conversationQuerySchema.shape.status.unwrap().options],
  })
  @ApiQuery({ name: 'contact', required: false, description: 'contact id(s), comma-separated' })
  @ApiQuery({ name: 'updatedSince', required: false, description: 'ISO 8601 date-time' })
  @ApiQuery({ name: 'q', required: false, description: 'search text, 2 to 200 characters' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 100, default 25' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiAnswer(CHANNELS_ANSWERS.conversationPage)
  @ApiErrors(400)
  async index(@Query() query: unknown) {
    return this.list.list(parseInput(conversationQuerySchema, query, 'query'));
  }

  @Get(':id')
  @Roles('agent', 'supervisor', 'ops')
  @ApiOperation({
    summary: 'A conversation: channel, identities, routing hints and messages with delivery state',
  })
  @ApiUuidParam('id')
  @ApiAnswer(CHANNELS_ANSWERS.conversation)
  @ApiErrors(400, 404)
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const { state, events } = await this.conversations.load(id);
    if (!state.where) throw new NotFoundException('conversation not found');
    return {
      ...state.where,
      identities: state.identities,
      routing: state.routing,
      // The survey's link is the customer's to use: agents see that it was sent, not the link.
      messages: conversationMessages(events).map((m) =>
        m.text === undefined ? m : { ...m, text: agentText(m) as string },
      ),
      ...(state.where.channel === 'phone' ? { calls: conversationCalls(events) } : {}),
    };
  }

  @Post(':id/replies')
  @Roles('agent', 'supervisor')
  @ApiOperation({
    summary: "Reply on the customer's channel",
    description:
      'Web chat: pushed to the visitor at once (or on their return). Email (SMTP, threaded), WeChat (customer-service message API) and partner callbacks: sent by the delivery worker, retried with backoff, dead-lettered after the last attempt. Each outcome is an event.',
  })
  @ApiBody({ schema: openApiSchema(replySchema) })
  @ApiUuidParam('id')
  @ApiAnswer(CHANNELS_ANSWERS.replySent, 201)
  @ApiErrors(400, 404, 409, 413, 422)
  reply(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ) {
    const input = parseInput(replySchema, body);
    return this.replies.send(id, input, principal.subject, correlationIdOf(req)).catch(unprocessable);
  }
}
