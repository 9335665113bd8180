import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Query,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  ApiAnswer,
  ApiErrors,
  ApiUuidParam,
  correlationIdOf,
  CurrentPrincipal,
  Roles,
} from '@journey/platform';
import type { Principal } from '@journey/platform';
import type { ChannelIdentity } from '@journey/contracts';
import { CONTACTS_ANSWERS } from '../contacts-api.responses';
import { PersonalDataErasure } from '../erasure/personal-data-erasure';
import { IdentityIndex } from '../identity-resolution/identity-index';
import { UnifiedView } from './unified-view';

const LOOKUPS: Record<string, ChannelIdentity['kind']> = {
  email: 'email',
  phone: 'phone',
  wechatOpenId: 'wechat-openid',
  wechatUnionId: 'wechat-unionid',
  appUserId: 'app-user-id',
  visitorId: 'visitor-id',
};

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class ContactsController {
  constructor(
    private readonly view: UnifiedView,
    private readonly index: IdentityIndex,
    private readonly erasure: PersonalDataErasure,
  ) {}

  @Get()
  @Roles('agent', 'supervisor')
  @ApiOperation({ summary: 'Search contacts by name (any part, any case); erased contacts are never found' })
  @ApiQuery({ name: 'name', required: true })
  @ApiQuery({ name: 'limit', required: false, description: '1–100, default 20' })
  @ApiAnswer(CONTACTS_ANSWERS.found)
  @ApiErrors(400)
  async search(@Query('name') name?: string, @Query('limit') limit?: string) {
    const text = (name ?? '').trim();
    if (text.length < 2 || text.length > 200) throw new BadRequestException('name must be 2–200 characters');
    const size = limit === undefined ? 20 : Number(limit);
    if (!Number.isInteger(size) || size < 1 || size > 100)
      throw new BadRequestException('limit must be 1–100');
    return { contacts: await this.view.searchByName(text, size) };
  }

  @Delete(':id/personal-data')
  @Roles('supervisor')
  @ApiOperation({
    summary: "Erase the customer's personal data everywhere (crypto-shredding)",
    description:
      'Covers the contact and every contact merged into it: their data keys and those of their conversations are deleted, so the personal fields of every stored event, every Kafka message and every replay read as [erased]; the view drops them and the identity index forgets them. Asking again is harmless.',
  })
  @ApiUuidParam('id')
  @ApiAnswer(CONTACTS_ANSWERS.erased)
  @ApiErrors(400, 404, 409)
  async erase(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ) {
    const report = await this.erasure.erase(id, principal.subject, correlationIdOf(req));
    if (!report) throw new NotFoundException('contact not found');
    return report;
  }

  @Get('lookup')
  @Roles('agent', 'supervisor', 'service')
  @ApiOperation({ summary: 'The contact holding an identity (give exactly one of the parameters)' })
  @ApiQuery({ name: 'email', required: false })
  @ApiQuery({ name: 'phone', required: false })
  @ApiQuery({ name: 'wechatOpenId', required: false })
  @ApiQuery({ name: 'wechatUnionId', required: false })
  @ApiQuery({ name: 'appUserId', required: false })
  @ApiQuery({ name: 'visitorId', required: false })
  @ApiAnswer(CONTACTS_ANSWERS.heldBy)
  @ApiErrors(400, 404)
  async lookup(@Query() query: Record<string, unknown>) {
    const given = Object.entries(query).filter(([k, v]) => k in LOOKUPS && typeof v === 'string' && v);
    if (given.length !== 1)
      throw new BadRequestException(`give exactly one of ${Object.keys(LOOKUPS).join(', ')}`);
    const [param, value] = given[0] as [string, string];
    const contactId = await this.index.contactOf({ kind: LOOKUPS[param] as ChannelIdentity['kind'], value });
    if (!contactId) throw new NotFoundException('no contact has this identity');
    // A merged contact answers with the one it was merged into: that view is the customer's.
    const survivor = await this.view.survivorOf(contactId);
    return { contactId: survivor, ...(survivor !== contactId ? { heldBy: contactId } : {}) };
  }

  @Get(':id/view')
  @Roles('agent', 'supervisor', 'ops')
  @ApiOperation({
    summary:
      'The unified customer view: profile, tier, traits, consent, identities, stage, channels, last contact, merges and merge suggestions, recent timeline (of merged contacts too)',
  })
  @ApiUuidParam('id')
  @ApiAnswer(CONTACTS_ANSWERS.customerView)
  @ApiErrors(400, 404)
  async get(@Param('id', new ParseUUIDPipe()) id: string) {
    const view = await this.view.view(id);
    if (!view) throw new NotFoundException('contact not found');
    return view;
  }

  @Get(':id/timeline')
  @Roles('agent', 'supervisor', 'ops')
  @ApiOperation({ summary: 'Every interaction and commerce fact of the contact, oldest first, paged' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1–200, default 50' })
  @ApiUuidParam('id')
  @ApiAnswer(CONTACTS_ANSWERS.timeline)
  @ApiErrors(400, 404)
  async timeline(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query('cursor') cursor?: string,
    @Query('limit') limit?: string,
  ) {
    const from = cursor === undefined ? 0 : Number(cursor);
    const size = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(from) || from < 0)
      throw new BadRequestException('cursor must be a cursor from an earlier page');
    if (!Number.isInteger(size) || size < 1 || size > 200)
      throw new BadRequestException('limit must be 1–200');
    const page = await this.view.timeline(id, from, size);
    if (!page) throw new NotFoundException('contact not found');
    return page;
  }
}
