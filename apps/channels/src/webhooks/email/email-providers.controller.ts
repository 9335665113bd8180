import {
  BadRequestException,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  Req,
  UnauthorizedException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiAnswer, ApiErrors, correlationIdOf, openApiSchema, parseInput, Public } from '@journey/platform';
import { CHANNELS_ANSWERS } from '../../channels-api.responses';
import { CHANNELS_CONFIG } from '../../channel-config/channels-config';
import type { ChannelsConfig } from '../../channel-config/channels-config';
import { EmailIntake, emailChannel } from './email-intake';
import type { EmailReceipt } from './email-intake';
import {
  basicAuthMatches,
  fromMailgun,
  fromPostmark,
  fromSendgrid,
  fromSes,
  postmarkInboundSchema,
  RecentTokens,
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  sendgridKey,
  sendgridVerifier,
  sesReceivedSchema,
  snsMessageSchema,
  verifyMailgun,
  verifySns,
} from './email-providers';
import { MalformedEmail } from './inbound-email';
import type { InboundEmail } from './inbound-email';
import { readMultipart } from './multipart-form';
import { timestampIsFresh } from '../signed/signed-request';

/** The largest body an email webhook takes (providers cap messages below it: 25 to 40 MB). */
export const EMAIL_BODY_LIMIT = '50mb';
const EMAIL_BODY_MAX_BYTES = 50 * 1024 * 1024;
/** Mailgun's text fields (the body, its HTML, the headers); its attachments are file parts. */
const MAILGUN_FIELD_MAX_BYTES = 5 * 1024 * 1024;

const unreadable = (err: unknown): never => {
  if (err instanceof MalformedEmail) throw new BadRequestException(err.message);
  if (err instanceof Error && err.name === 'ZodError')
    throw new BadRequestException(`invalid body: ${err.message}`);
  throw err;
};

/**
 * Inbound email as the mail providers post it, each proven its own way: Mailgun's HMAC of timestamp and
 * token, SendGrid's ECDSA signature, Postmark's basic-auth credentials, SNS's certificate-signed message
 * for Amazon SES. Every one ends in the same intake as a raw MIME message.
 */
@ApiTags('webhooks')
@Public()
@Controller('v1/webhooks/email')
export class EmailProvidersController {
  private readonly mailgunTokens = new RecentTokens();
  private readonly certificates = new Map<string, Promise<string>>();

  constructor(
    @Inject(CHANNELS_CONFIG) private readonly config: ChannelsConfig,
    private readonly intake: EmailIntake,
  ) {}

  private trusted() {
    return { trustedAuthservIds: this.config.email?.trustedAuthservIds ?? [] };
  }

  @Post('mailgun')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Mailgun route (forward action): the parsed message as form fields',
    description:
      'Verified with the signing key: HMAC-SHA256 of timestamp and token must equal signature, the timestamp within 5 minutes, each token once. Headers come from message-headers, the text from body-plain; attachment parts are counted, not kept.',
  })
  @ApiConsumes('multipart/form-data', 'application/x-www-form-urlencoded')
  @ApiAnswer(CHANNELS_ANSWERS.emailReceipt)
  @ApiErrors(400, 401, 404, 413, 415, 422)
  async mailgun(@Req() req: Request): Promise<EmailReceipt> {
    const mailgun = emailChannel(this.config).mailgun;
    if (!mailgun) throw new NotFoundException('no Mailgun route is configured');
    const form = req.is('multipart/form-data')
      ? await readMultipart(req, { maxBytes: EMAIL_BODY_MAX_BYTES, maxFieldBytes: MAILGUN_FIELD_MAX_BYTES })
      : req.is('application/x-www-form-urlencoded')
        ? {
            fields: new Map(
              Object.entries((req.body ?? {}) as Record<string, unknown>).map(([k, v]) => [
                k,
                typeof v === 'string' ? v : '',
              ]),
            ),
            files: [],
          }
        : undefined;
    if (!form) throw new UnsupportedMediaTypeException('send multipart/form-data, as Mailgun routes do');
    const check = verifyMailgun(mailgun.signingKey, form.fields);
    if (!check.ok) throw new UnauthorizedException(`signature check failed: ${check.reason}`);
    if (!this.mailgunTokens.first(form.fields.get('token') as string))
      throw new UnauthorizedException('signature check failed: this token was used already');
    const email = await fromMailgun(form.fields, form.files, this.trusted()).catch(unreadable);
    return this.intake.receive(email, correlationIdOf(req));
  }

  @Post('sendgrid')
  @HttpCode(200)
  @ApiOperation({
    summary: 'SendGrid Inbound Parse: the parsed message (or, in raw mode, the MIME message) as a form',
    description:
      "Verified with the security policy's public key: an ECDSA signature over the timestamp header and the exact body. DKIM counts from the dkim field for the From domain.",
  })
  @ApiConsumes('multipart/form-data')
  @ApiHeader({ name: SENDGRID_SIGNATURE_HEADER, required: true })
  @ApiHeader({ name: SENDGRID_TIMESTAMP_HEADER, required: true })
  @ApiAnswer(CHANNELS_ANSWERS.emailReceipt)
  @ApiErrors(400, 401, 404, 413, 415, 422)
  async sendgrid(@Req() req: Request): Promise<EmailReceipt> {
    const sendgrid = emailChannel(this.config).sendgrid;
    if (!sendgrid) throw new NotFoundException('no SendGrid Inbound Parse is configured');
    if (!req.is('multipart/form-data'))
      throw new UnsupportedMediaTypeException('send multipart/form-data, as Inbound Parse does');
    const timestamp = req.headers[SENDGRID_TIMESTAMP_HEADER];
    const signature = req.headers[SENDGRID_SIGNATURE_HEADER];
    if (typeof timestamp !== 'string' || typeof signature !== 'string')
      throw new UnauthorizedException(
        `signature check failed: the ${SENDGRID_SIGNATURE_HEADER} and ${SENDGRID_TIMESTAMP_HEADER} headers are required`,
      );
    if (!timestampIsFresh(timestamp))
      throw new UnauthorizedException('signature check failed: the timestamp is more than 300 seconds away');
    const verifier = sendgridVerifier(timestamp);
    const form = await readMultipart(req, {
      maxBytes: EMAIL_BODY_MAX_BYTES,
      maxFieldBytes: EMAIL_BODY_MAX_BYTES,
      onChunk: (chunk) => verifier.update(chunk),
    });
    const check = verifier.verify(sendgridKey(sendgrid.verificationKey), signature);
    if (!check.ok) throw new UnauthorizedException(`signature check failed: ${check.reason}`);
    const email = await fromSendgrid(form.fields, form.files, this.trusted()).catch(unreadable);
    return this.intake.receive(email, correlationIdOf(req));
  }

  @Post('postmark')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Postmark inbound webhook: the parsed message as JSON',
    description:
      'Postmark does not sign its posts: write the configured credentials into the webhook URL (https://user:password@host/...), which Postmark sends as basic auth.',
  })
  @ApiConsumes('application/json')
  @ApiBody({ schema: openApiSchema(postmarkInboundSchema) })
  @ApiAnswer(CHANNELS_ANSWERS.emailReceipt)
  @ApiErrors(400, 401, 404, 413, 415, 422)
  async postmark(@Req() req: Request): Promise<EmailReceipt> {
    const postmark = emailChannel(this.config).postmark;
    if (!postmark) throw new NotFoundException('no Postmark inbound webhook is configured');
    if (!basicAuthMatches(req.headers.authorization, postmark.username, postmark.password))
      throw new UnauthorizedException('the basic-auth credentials of the webhook URL are missing or wrong');
    if (!req.is('application/json')) throw new UnsupportedMediaTypeException('send application/json');
    const body = parseInput(postmarkInboundSchema, req.body);
    const email = await fromPostmark(body, this.trusted()).catch(unreadable);
    return this.intake.receive(email, correlationIdOf(req));
  }

  @Post('ses')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Amazon SES receipt rule with an SNS action: the SNS notification',
    description:
      "The SNS signature is checked with the certificate at SigningCertURL (SNS's own hosts only) and the topic must be configured. A SubscriptionConfirmation is confirmed by visiting its SubscribeURL. DKIM counts when SES's DKIM and DMARC verdicts both PASS.",
  })
  @ApiConsumes('text/plain', 'application/json')
  @ApiAnswer(CHANNELS_ANSWERS.snsAnswer)
  @ApiErrors(400, 401, 404, 413, 415, 422)
  async ses(@Req() req: Request) {
    const ses = emailChannel(this.config).ses;
    if (!ses) throw new NotFoundException('no Amazon SES notification topic is configured');
    // SNS posts JSON with Content-Type text/plain.
    let raw: unknown = req.body;
    if (typeof raw === 'string') {
      try {
        raw = JSON.parse(raw);
      } catch {
        throw new BadRequestException('the body is not an SNS message (JSON)');
      }
    }
    const message = parseInput(snsMessageSchema, raw);
    if (!ses.topicArns.includes(message.TopicArn))
      throw new UnauthorizedException('the SNS topic is not one this service is configured for');
    const check = await verifySns(message, new RegExp(ses.certificateUrlPattern), (url) =>
      this.certificate(url),
    );
    if (!check.ok) throw new UnauthorizedException(`SNS signature check failed: ${check.reason}`);
    if (message.Type === 'SubscriptionConfirmation') {
      await this.confirm(message.SubscribeURL, message.SigningCertURL);
      return { received: 'subscription-confirmed' as const };
    }
    if (message.Type !== 'Notification') return { received: 'ignored' as const };
    let notification: unknown;
    try {
      notification = JSON.parse(message.Message);
    } catch {
      throw new BadRequestException('the SNS Message is not an SES notification (JSON)');
    }
    // SES also publishes bounces and complaints to topics: only received mail is a customer's message.
    if ((notification as { notificationType?: unknown })?.notificationType !== 'Received')
      return { received: 'ignored' as const };
    const email: InboundEmail = await fromSes(
      parseInput(sesReceivedSchema, notification, 'SES notification'),
    ).catch(unreadable);
    const receipt = await this.intake.receive(email, correlationIdOf(req));
    return { received: 'email' as const, ...receipt };
  }

  /** SNS signing certificates, fetched once per URL (a handful exist). */
  private certificate(url: string): Promise<string> {
    let pending = this.certificates.get(url);
    if (!pending) {
      pending = fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' }).then(async (res) => {
        if (!res.ok) throw new Error(`${url} answered ${res.status}`);
        const text = await res.text();
        if (text.length > 20_000) throw new Error('the certificate is too large');
        return text;
      });
      pending.catch(() => this.certificates.delete(url));
      if (this.certificates.size >= 50) this.certificates.clear();
      this.certificates.set(url, pending);
    }
    return pending;
  }

  /** Confirms a subscription at its SubscribeURL, which must be on the certificate's host. */
  private async confirm(subscribeUrl: string | undefined, certificateUrl: string): Promise<void> {
    if (!subscribeUrl || new URL(subscribeUrl).origin !== new URL(certificateUrl).origin)
      throw new BadRequestException('the SubscribeURL is not on the SNS host that signed the message');
    const res = await fetch(subscribeUrl, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
    if (!res.ok) throw new BadRequestException(`confirming the subscription answered ${res.status}`);
  }
}
