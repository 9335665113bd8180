import {
  BadRequestException,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  Req,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiAnswer, ApiErrors, correlationIdOf, openApiSchema, parseInput, Public } from '@journey/platform';
import { CHANNELS_ANSWERS } from '../../channels-api.responses';
import { CHANNELS_CONFIG } from '../../channel-config/channels-config';
import type { ChannelsConfig } from '../../channel-config/channels-config';
import { Conversations } from '../../conversation/conversations';
import { unprocessable } from '../signed/signed-webhooks.controller';
import { checkSignedCall, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../signed/signed-request';
import { fromJsonEmail, jsonEmailSchema, MalformedEmail, parseMimeEmail, threadRoot } from './inbound-email';
import type { InboundEmail } from './inbound-email';
import { boundInboundEmail } from './email-bounds';

@ApiTags('webhooks')
@Public()
@Controller('v1/webhooks/email')
export class EmailWebhookController {
  constructor(
    @Inject(CHANNELS_CONFIG) private readonly config: ChannelsConfig,
    private readonly conversations: Conversations,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'An inbound email, as raw MIME (message/rfc822) or as the JSON of a mail provider (HMAC-signed)',
    description:
      'Threads by References / In-Reply-To / Message-ID; the Message-ID makes a redelivery harmless. The inbox is the configured address among To and Cc.',
  })
  @ApiConsumes('message/rfc822', 'application/json')
  @ApiHeader({ name: TIMESTAMP_HEADER, required: true })
  @ApiHeader({ name: SIGNATURE_HEADER, required: true })
  @ApiBody({ schema: openApiSchema(jsonEmailSchema) })
  @ApiAnswer(CHANNELS_ANSWERS.messageReceipt)
  @ApiErrors(400, 401, 404, 409, 413, 415, 422)
  async receive(@Req() req: Request) {
    const email = this.config.email;
    if (!email) throw new NotFoundException('no email channel is configured');
    checkSignedCall(email.webhookSecret, req, ['message/rfc822', 'application/json']);
    const parsed = await this.parse(req);
    const inbox = email.inboxes.find((i) => parsed.to.includes(i.address.toLowerCase()));
    if (!inbox) throw new UnprocessableEntityException('none of the recipients is a configured inbox');
    const received = await this.conversations
      .receive(
        {
          channel: 'email',
          channelId: inbox.id,
          threadKey: threadRoot(parsed),
          providerMessageId: parsed.messageId,
          identities: [{ kind: 'email', value: parsed.from.address, verified: parsed.dkimPass }],
          ...(parsed.text ? { text: parsed.text } : {}),
          ...(parsed.textTruncated ? { textTruncated: true } : {}),
          attachments: parsed.attachments,
          emailThread: {
            messageId: parsed.messageId,
            references: parsed.references,
            ...(parsed.subject ? { subject: parsed.subject } : {}),
          },
          ...(parsed.subject ? { subject: parsed.subject } : {}),
          recipient: inbox.address,
          receivedAt: new Date().toISOString(),
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

  /** The email as its event will hold it, whichever form it came in (see boundInboundEmail). */
  private async parse(req: Request): Promise<InboundEmail> {
    return boundInboundEmail(await this.read(req));
  }

  private async read(req: Request): Promise<InboundEmail> {
    if (req.is('message/rfc822')) {
      if (typeof req.body !== 'string' || !req.body) throw new BadRequestException('empty MIME message');
      try {
        return await parseMimeEmail(req.body, {
          trustedAuthservIds: this.config.email?.trustedAuthservIds ?? [],
        });
      } catch (err) {
        throw new BadRequestException(
          err instanceof MalformedEmail ? err.message : `unreadable MIME: ${(err as Error).message}`,
        );
      }
    }
    if (req.is('application/json')) return fromJsonEmail(parseInput(jsonEmailSchema, req.body));
    throw new BadRequestException('send message/rfc822 (raw MIME) or application/json');
  }
}
