import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import { z } from 'zod';
import { JOURNEY_EVENT_KINDS, journeyEventDetails } from '@journey/contracts';
import type { ChannelIdentity } from '@journey/contracts';
import { ApiAnswer, ApiErrors, correlationIdOf, openApiSchema, parseInput, Roles } from '@journey/platform';
import { CONTACTS_ANSWERS } from '../contacts-api.responses';
import { IdentityResolution } from '../identity-resolution/identity-resolution';
import { ContactMerges } from '../merge/contact-merges';

/**
 * The read model keeps details under their own names, and MongoDB refuses a field name that starts
 * with `$` or holds a `.` (or NUL, refused for every input): such a key would poison the view later.
 */
const storableKeys = journeyEventDetails.superRefine((details, ctx) => {
  for (const key of Object.keys(details))
    if (key.startsWith('$') || key.includes('.'))
      ctx.addIssue({ code: 'custom', message: 'keys must not start with $ or contain a dot' });
});

export const journeyEventSchema = z
  .object({
    kind: z.enum(JOURNEY_EVENT_KINDS),
    externalId: z.string().min(1).max(200),
    source: z.string().min(1).max(100),
    occurredAt: z.iso.datetime({ offset: true }),
    /** Who the customer is, as the reporting system knows them: these identities are attested. */
    customer: z
      .object({
        email: z.email().optional(),
        phone: z
          .string()
          .regex(/^\+[1-9]\d{6,14}$/, 'must be E.164')
          .optional(),
        wechatOpenId: z.string().min(1).max(128).optional(),
        wechatUnionId: z.string().min(1).max(128).optional(),
        /** The company's own user id, as the app sends it: the same app-user-id identity. */
        appUserId: z.string().min(1).max(200).optional(),
        name: z.string().min(1).max(200).optional(),
      })
      .strict(),
    /** Up to 32 entries (JOURNEY_DETAILS_MAX_KEYS), keys of 1–64 characters. */
    details: storableKeys.default({}),
  })
  .strict();

@ApiTags('journey events')
@ApiBearerAuth()
@Controller('v1/journey-events')
export class JourneyEventsController {
  constructor(
    private readonly resolution: IdentityResolution,
    private readonly merges: ContactMerges,
  ) {}

  @Post()
  @HttpCode(200)
  @Roles('service')
  @ApiOperation({
    summary:
      'A commerce or CRM fact about a customer (page viewed, lead, quote, order placed/delivered, return)',
    description:
      'For other systems, with a service token. The identities given are attested: they link to the contact automatically. Reporting the same (source, kind, externalId) again records nothing.',
  })
  @ApiBody({ schema: openApiSchema(journeyEventSchema) })
  @ApiAnswer(CONTACTS_ANSWERS.journeyEvent)
  @ApiErrors(400, 409, 413)
  async record(@Body() body: unknown, @Req() req: Request) {
    const e = parseInput(journeyEventSchema, body);
    const c = e.customer;
    const identities: ChannelIdentity[] = [
      ...(c.email ? [{ kind: 'email' as const, value: c.email.toLowerCase(), verified: true }] : []),
      ...(c.phone ? [{ kind: 'phone' as const, value: c.phone, verified: true }] : []),
      ...(c.wechatUnionId
        ? [{ kind: 'wechat-unionid' as const, value: c.wechatUnionId, verified: true }]
        : []),
      ...(c.wechatOpenId ? [{ kind: 'wechat-openid' as const, value: c.wechatOpenId, verified: true }] : []),
      ...(c.appUserId ? [{ kind: 'app-user-id' as const, value: c.appUserId, verified: true }] : []),
    ];
    if (!identities.length)
      throw new BadRequestException('invalid body: customer needs at least one identity');
    const resolved = await this.resolution.observe({
      identities,
      ...(c.name ? { name: c.name } : {}),
      journeyFact: {
        kind: e.kind,
        externalId: e.externalId,
        source: e.source,
        occurredAt: e.occurredAt,
        details: e.details,
      },
      correlationId: correlationIdOf(req),
    });
    // The customer's contact: the survivor, when the one it was recorded on is merged into another.
    const contactId = resolved ? await this.merges.rootOf(resolved.contactId) : undefined;
    return { contactId, recorded: resolved?.recorded ?? false };
  }
}
