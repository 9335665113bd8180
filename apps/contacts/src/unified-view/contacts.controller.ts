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
import { ApiAnswer, ApiErrors, ApiUuidParam, Roles } from '@journey/platform';
import { CONTACTS_ANSWERS } from '../contacts-api.responses';
import { parseTimelineCursor, UnifiedView } from './unified-view';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class ContactsController {
  constructor(private readonly view: UnifiedView) {}

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
  @ApiQuery({ name: 'cursor', required: false, description: "the previous page's nextCursor (opaque)" })
  @ApiQuery({ name: 'limit', required: false, description: '1–200, default 50' })
  @ApiUuidParam('id')
  @ApiAnswer(CONTACTS_ANSWERS.timeline)
  @ApiErrors(400, 404)
  async timeline(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query('cursor') cursor?: string,
    @Query('limit') limit?: string,
  ) {
    const after = cursor === undefined ? undefined : parseTimelineCursor(cursor);
    const size = limit === undefined ? 50 : Number(limit);
    if (cursor !== undefined && !after)
      throw new BadRequestException('cursor must be the nextCursor of an earlier page');
    if (!Number.isInteger(size) || size < 1 || size > 200)
      throw new BadRequestException('limit must be 1–200');
    const page = await this.view.timeline(id, after, size);
    if (!page) throw new NotFoundException('contact not found');
    return page;
  }
}
