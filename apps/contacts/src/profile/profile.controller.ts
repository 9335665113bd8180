import {
  BadRequestException,
  Body,
  Controller,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import {
  boundedRecord,
  CHANNELS,
  CONSENT_PURPOSES,
  traitKey,
  TRAITS_MAX,
  VIP_TIERS,
} from '@journey/contracts';
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
import { answerOutcome } from '../contact/answer-outcome';
import { CONTACTS_ANSWERS } from '../contacts-api.responses';
import { Contacts } from '../contact/contacts';

export const profileChangeSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag such as zh-CN')
      .optional(),
    timeZone: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as Asia/Shanghai')
      .optional(),
    vipTier: z.enum(VIP_TIERS).optional(),
    traits: boundedRecord(traitKey, z.string().trim().min(1).max(200).nullable(), TRAITS_MAX).optional(),
    preferredChannel: z.enum(CHANNELS).optional(),
  })
  .strict();

export const consentSchema = z
  .object({
    purpose: z.enum(CONSENT_PURPOSES),
    granted: z.boolean(),
    source: z.string().min(1).max(100),
    at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class ProfileController {
  constructor(private readonly contacts: Contacts) {}

  @Patch(':id')
  @Roles('agent', 'supervisor', 'service')
  @ApiOperation({
    summary:
      'Change the profile: name, language, time zone, VIP tier, traits (null removes one), preferred channel',
  })
  @ApiBody({ schema: openApiSchema(profileChangeSchema) })
  @ApiUuidParam('id')
  @ApiAnswer(CONTACTS_ANSWERS.recorded)
  @ApiErrors(400, 404, 409)
  async update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ) {
    const change = parseInput(profileChangeSchema, body);
    if (Object.keys(change).length === 0) throw new BadRequestException('invalid body: nothing to change');
    const outcome = await this.contacts.execute(
      id,
      { kind: 'update-profile', change, by: principal.subject },
      { correlationId: correlationIdOf(req) },
    );
    return answerOutcome(outcome);
  }

  @Post(':id/consents')
  @Roles('agent', 'supervisor', 'service')
  @ApiOperation({ summary: 'Record that the customer gave or withdrew consent for a purpose' })
  @ApiBody({ schema: openApiSchema(consentSchema) })
  @ApiUuidParam('id')
  @ApiAnswer(CONTACTS_ANSWERS.recorded, 201)
  @ApiErrors(400, 404, 409)
  async consent(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ) {
    const c = parseInput(consentSchema, body);
    const outcome = await this.contacts.execute(
      id,
      {
        kind: 'record-consent',
        purpose: c.purpose,
        granted: c.granted,
        source: c.source,
        at: c.at ?? new Date().toISOString(),
        by: principal.subject,
      },
      { correlationId: correlationIdOf(req) },
    );
    return answerOutcome(outcome);
  }
}
