import {
  Body,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { ApiAnswer, ApiErrors, correlationIdOf, openApiSchema, parseInput, Public } from '@journey/platform';
import { ATTACHMENTS_MAX, MESSAGE_TEXT_MAX, TRANSCRIPT_MAX } from '@journey/contracts';
import type { ChannelIdentity } from '@journey/contracts';
import { CHANNELS_ANSWERS } from '../../channels-api.responses';
import { CHANNELS_CONFIG } from '../../channel-config/channels-config';
import type { ChannelsConfig } from '../../channel-config/channels-config';
import { ConversationRejected, Conversations } from '../../conversation/conversations';
import { checkSignedCall, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signed-request';
import type { SigningSecrets } from './signed-request';

const attachment = z.object({
  url: z.url().max(2048),
  contentType: z.string().min(1).max(255),
  name: z.string().max(255).optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
});

export const apiMessageSchema = z
  .object({
    /** The sender's id for this message; the same key sent again is the same message. */
    idempotencyKey: z.string().min(1).max(200),
    user: z.object({
      id: z.string().min(1).max(200),
      email: z.email().max(320).optional(),
      emailVerified: z.boolean().default(false),
      phone: z
        .string()
        .regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, e.g. +8613800138000')
        .optional(),
      phoneVerified: z.boolean().default(false),
    }),
    /** Threads messages into separate conversations; defaults to one conversation per user. */
    conversationKey: z.string().min(1).max(200).optional(),
    text: z.string().min(1).max(MESSAGE_TEXT_MAX).optional(),
    attachments: z.array(attachment).max(ATTACHMENTS_MAX).default([]),
    sentAt: z.iso.datetime().optional(),
  })
  .strict()
  .refine((m) => m.text !== undefined || m.attachments.length > 0, {
    message: 'needs text or an attachment',
  });

const e164 = z.string().regex(/^\+?[1-9]\d{3,14}$/, 'must be a phone number in E.164');
export const callEventSchema = z
  .object({
    event: z.enum(['ringing', 'answered', 'ended', 'recording', 'transcript']),
    callId: z.string().min(1).max(200),
    direction: z.enum(['inbound', 'outbound']).default('inbound'),
    from: e164,
    to: e164,
    at: z.iso.datetime(),
    agentId: z.string().min(1).max(200).optional(),
    durationSeconds: z.number().int().nonnegative().optional(),
    recordingUrl: z.url().max(2048).optional(),
    transcript: z.string().min(1).max(TRANSCRIPT_MAX).optional(),
  })
  .strict()
  .refine((c) => c.event !== 'recording' || c.recordingUrl, {
    message: 'a recording event needs recordingUrl',
  })
  .refine((c) => c.event !== 'transcript' || c.transcript, {
    message: 'a transcript event needs transcript',
  });

const timestampHeader = {
  name: TIMESTAMP_HEADER,
  required: true,
  description: 'Unix seconds; refused when more than 5 minutes away',
};
const signatureHeader = {
  name: SIGNATURE_HEADER,
  required: true,
  description: 'sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the channel secret>',
};

/** The app / partner API and the phone system: signed JSON webhooks. */
@ApiTags('webhooks')
@Public()
@Controller('v1/webhooks')
export class SignedWebhooksController {
  constructor(
    @Inject(CHANNELS_CONFIG) private readonly config: ChannelsConfig,
    private readonly conversations: Conversations,
  ) {}

  @Post('api/:channelId')
  @HttpCode(200)
  @ApiOperation({ summary: 'A message from the mobile app or a partner system (HMAC-signed)' })
  @ApiHeader(timestampHeader)
  @ApiHeader(signatureHeader)
  @ApiBody({ schema: openApiSchema(apiMessageSchema) })
  @ApiAnswer(CHANNELS_ANSWERS.messageReceipt)
  @ApiErrors(400, 401, 404, 409, 413, 415, 422)
  async apiMessage(@Param('channelId') channelId: string, @Body() body: unknown, @Req() req: Request) {
    const channel = this.config.api.find((c) => c.id === channelId);
    if (!channel) throw new NotFoundException(`no API channel ${channelId}`);
    this.verify(channel, req);
    const m = parseInput(apiMessageSchema, body);
    // The app's users are the company's own (the ids the shop and journey events use too); a
    // partner numbers its users itself, so its ids are kept apart by the partner channel's id.
    const identities: ChannelIdentity[] = [
      channel.kind === 'app'
        ? { kind: 'app-user-id', value: m.user.id, verified: true }
        : { kind: 'partner-id', value: `${channelId}:${m.user.id}`, verified: true },
    ];
    if (m.user.email)
      identities.push({ kind: 'email', value: m.user.email.toLowerCase(), verified: m.user.emailVerified });
    if (m.user.phone) identities.push({ kind: 'phone', value: m.user.phone, verified: m.user.phoneVerified });
    const received = await this.conversations
      .receive(
        {
          channel: channel.kind,
          channelId,
          threadKey: m.conversationKey ? `${m.user.id}/${m.conversationKey}` : m.user.id,
          providerMessageId: m.idempotencyKey,
          identities,
          ...(m.text ? { text: m.text } : {}),
          attachments: m.attachments.map(({ url, ...rest }) => ({ reference: url, ...rest })),
          receivedAt: m.sentAt ?? new Date().toISOString(),
          strictIdempotency: true,
        },
        { correlationId: correlationIdOf(req) },
      )
      .catch(unprocessable);
    return {
      conversationId: received.conversationId,
      messageId: received.messageId,
      duplicate: received.duplicate,
    };
  }

  @Post('voice/:channelId')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A call event from the phone system: ringing, answered, ended, recording, transcript',
  })
  @ApiHeader(timestampHeader)
  @ApiHeader(signatureHeader)
  @ApiBody({ schema: openApiSchema(callEventSchema) })
  @ApiAnswer(CHANNELS_ANSWERS.callRecorded)
  @ApiErrors(400, 401, 404, 409, 413, 415, 422)
  async callEvent(@Param('channelId') channelId: string, @Body() body: unknown, @Req() req: Request) {
    const channel = this.config.voice.find((c) => c.id === channelId);
    if (!channel) throw new NotFoundException(`no voice channel ${channelId}`);
    this.verify(channel, req);
    const c = parseInput(callEventSchema, body);
    const customer = c.direction === 'inbound' ? c.from : c.to;
    const conversationId = await this.conversations.currentIdFor('phone', channelId, customer);
    const identities: ChannelIdentity[] = [{ kind: 'phone', value: customer, verified: true }];
    const where = { conversationId, channel: 'phone' as const, channelId };
    const phase =
      c.event === 'ringing'
        ? { name: 'ringing' as const, direction: c.direction, at: c.at }
        : c.event === 'answered'
          ? { name: 'answered' as const, ...(c.agentId ? { agentId: c.agentId } : {}), at: c.at }
          : c.event === 'ended'
            ? {
                name: 'ended' as const,
                at: c.at,
                ...(c.durationSeconds !== undefined ? { durationSeconds: c.durationSeconds } : {}),
              }
            : {
                name: 'recorded' as const,
                ...(c.recordingUrl ? { recordingUrl: c.recordingUrl } : {}),
                ...(c.transcript ? { transcript: c.transcript } : {}),
              };
    const outcome = await this.conversations.execute(
      conversationId,
      { kind: 'record-call', where, callId: c.callId, identities, phase },
      { correlationId: correlationIdOf(req), commandKey: `call:${c.callId}:${c.event}` },
    );
    if (!outcome.ok) throw new UnprocessableEntityException(outcome.reason);
    return { conversationId, recorded: outcome.events.length > 0 };
  }

  private verify(channel: SigningSecrets & { id: string }, req: Request): void {
    checkSignedCall(channel, req, ['application/json'], channel.id);
  }
}

/** A business refusal of a valid request is a 422; anything else goes on up. */
export function unprocessable(err: unknown): never {
  if (err instanceof ConversationRejected && err.message === 'conversation not found')
    throw new NotFoundException(err.message);
  if (err instanceof ConversationRejected) throw new UnprocessableEntityException(err.message);
  throw err;
}
