import { BadRequestException, Controller, Get, NotFoundException, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiErrors, Roles } from '@journey/platform';
import type { ChannelIdentity } from '@journey/contracts';
import { CONTACTS_ANSWERS } from '../contacts-api.responses';
import { identityKey } from '../contact/domain/contact.decider';
import { IdentityRegistry } from '../identity-resolution/identity-registry';
import { ContactMerges } from '../merge/contact-merges';

const LOOKUPS: Record<string, ChannelIdentity['kind']> = {
  email: 'email',
  phone: 'phone',
  wechatOpenId: 'wechat-openid',
  wechatUnionId: 'wechat-unionid',
  appUserId: 'app-user-id',
  partnerId: 'partner-id',
  visitorId: 'visitor-id',
};

/**
 * `GET /v1/contacts/lookup`: which contact holds an identity (its attested holder, else the first
 * contact that claimed it), answered with the survivor of a merge, from the event store.
 */
@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class IdentityLookupController {
  constructor(
    private readonly registry: IdentityRegistry,
    private readonly merges: ContactMerges,
  ) {}

  @Get('lookup')
  @Roles('agent', 'supervisor', 'service')
  @ApiOperation({ summary: 'The contact holding an identity (give exactly one of the parameters)' })
  @ApiQuery({ name: 'email', required: false })
  @ApiQuery({ name: 'phone', required: false })
  @ApiQuery({ name: 'wechatOpenId', required: false })
  @ApiQuery({ name: 'wechatUnionId', required: false })
  @ApiQuery({
    name: 'appUserId',
    required: false,
    description: "the company's user id, as the app and the shop give it",
  })
  @ApiQuery({
    name: 'partnerId',
    required: false,
    description: '<partner channel id>:<the partner’s user id>',
  })
  @ApiQuery({ name: 'visitorId', required: false })
  @ApiAnswer(CONTACTS_ANSWERS.heldBy)
  @ApiErrors(400, 404)
  async lookup(@Query() query: Record<string, unknown>) {
    const given = Object.entries(query).filter(([k, v]) => k in LOOKUPS && typeof v === 'string' && v);
    if (given.length !== 1)
      throw new BadRequestException(`give exactly one of ${Object.keys(LOOKUPS).join(', ')}`);
    const [param, value] = given[0] as [string, string];
    const kind = LOOKUPS[param] as ChannelIdentity['kind'];
    const state = await this.registry.read(identityKey({ kind, value: value.trim() }));
    const contactId = state.holder ?? state.claimants[0];
    if (!contactId) throw new NotFoundException('no contact has this identity');
    // A merged contact answers with the one it was merged into: that view is the customer's.
    const survivor = await this.merges.rootOf(contactId);
    return { contactId: survivor, ...(survivor !== contactId ? { heldBy: contactId } : {}) };
  }
}
