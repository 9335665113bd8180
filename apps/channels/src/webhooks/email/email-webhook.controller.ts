import { BadRequestException, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiAnswer, ApiErrors, correlationIdOf, openApiSchema, parseInput, Public } from '@journey/platform';
import { CHANNELS_ANSWERS } from '../../channels-api.responses';
import { CHANNELS_CONFIG } from '../../channel-config/channels-config';
import type { ChannelsConfig } from '../../channel-config/channels-config';
import { checkSignedCall, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../signed/signed-request';
import { fromJsonEmail, jsonEmailSchema, MalformedEmail, parseMimeEmail } from './inbound-email';
import type { InboundEmail } from './inbound-email';
import { EmailIntake, emailChannel } from './email-intake';

@ApiTags('webhooks')
@Public()
@Controller('v1/webhooks/email')
export class EmailWebhookController {
  constructor(
    @Inject(CHANNELS_CONFIG) private readonly config: ChannelsConfig,
    private readonly intake: EmailIntake,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'An inbound email, as raw MIME (message/rfc822) or as the JSON of a mail provider (HMAC-signed)',
    description:
      "A reply joins the conversation of any message of its thread it names (In-Reply-To, References), ours or the customer's; the Message-ID makes a redelivery harmless. The inbox is the configured address among To and Cc. An attachment over the size limit is refused (named in refusedAttachments, the sender told by email) and the text kept. Bodies up to 50 MB.",
  })
  @ApiConsumes('message/rfc822', 'application/json')
  @ApiHeader({ name: TIMESTAMP_HEADER, required: true })
  @ApiHeader({ name: SIGNATURE_HEADER, required: true })
  @ApiBody({ schema: openApiSchema(jsonEmailSchema) })
  @ApiAnswer(CHANNELS_ANSWERS.emailReceipt)
  @ApiErrors(400, 401, 404, 409, 413, 415, 422)
  async receive(@Req() req: Request) {
    const email = emailChannel(this.config);
    checkSignedCall(
      { secret: email.webhookSecret, previousSecret: email.previousWebhookSecret },
      req,
      ['message/rfc822', 'application/json'],
      'email',
    );
    return this.intake.receive(await this.read(req), correlationIdOf(req));
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
