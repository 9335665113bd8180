import { Body, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { conversationMessages } from '../domain/conversation-messages';
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
  ) {}

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
      messages: conversationMessages(events),
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
