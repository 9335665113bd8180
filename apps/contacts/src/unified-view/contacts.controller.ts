import {
  BadRequestException,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '@journey/platform';
import type { ChannelIdentity } from '@journey/contracts';
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
  ) {}

  @Get('lookup')
  @Roles('agent', 'supervisor', 'service')
  @ApiOperation({ summary: 'The contact holding an identity (give exactly one of the parameters)' })
  @ApiQuery({ name: 'email', required: false })
  @ApiQuery({ name: 'phone', required: false })
  @ApiQuery({ name: 'wechatOpenId', required: false })
  @ApiQuery({ name: 'wechatUnionId', required: false })
  @ApiQuery({ name: 'appUserId', required: false })
  @ApiQuery({ name: 'visitorId', required: false })
  async lookup(@Query() query: Record<string, unknown>) {
    const given = Object.entries(query).filter(([k, v]) => k in LOOKUPS && typeof v === 'string' && v);
    if (given.length !== 1)
      throw new BadRequestException(`give exactly one of ${Object.keys(LOOKUPS).join(', ')}`);
    const [param, value] = given[0] as [string, string];
    const contactId = await this.index.contactOf({ kind: LOOKUPS[param] as ChannelIdentity['kind'], value });
    if (!contactId) throw new NotFoundException('no contact has this identity');
    return { contactId };
  }

  @Get(':id/view')
  @Roles('agent', 'supervisor', 'ops')
  @ApiOperation({
    summary:
      'The unified customer view: identities, stage, channels, last contact, merge suggestions, recent timeline',
  })
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
