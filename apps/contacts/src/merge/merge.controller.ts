import {
  Body,
  ConflictException,
  Controller,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
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
import { UnifiedView } from '../unified-view/unified-view';

export const mergeSchema = z.object({ survivorId: z.uuid() }).strict();

/**
 * Merge and split. A merge moves nothing: the merged contact keeps its identities and interactions,
 * and the survivor's view shows both. A split therefore gives every interaction back.
 */
@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class MergeController {
  constructor(
    private readonly contacts: Contacts,
    private readonly view: UnifiedView,
  ) {}

  @Post(':id/merge')
  @HttpCode(200)
  @Roles('agent', 'supervisor')
  @ApiOperation({
    summary: 'Merge this contact into the survivor the agent chose',
    description:
      '409 when the survivor was itself merged into another contact (merge into that one), or when this contact is already merged elsewhere.',
  })
  @ApiBody({ schema: openApiSchema(mergeSchema) })
  @ApiUuidParam('id')
  @ApiAnswer(CONTACTS_ANSWERS.merged)
  @ApiErrors(400, 404, 409)
  async merge(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ) {
    const { survivorId } = parseInput(mergeSchema, body);
    if (!(await this.contacts.exists(survivorId)))
      throw new NotFoundException('the survivor is not a contact');
    if ((await this.view.view(survivorId, 0))?.personalDataErasedAt)
      throw new ConflictException("the survivor's personal data was erased");
    const end = await this.view.survivorOf(survivorId);
    if (end !== survivorId)
      throw new ConflictException(`the survivor was merged into ${end}: merge into that contact instead`);
    if (end === id || (await this.view.mergedInto(id)).includes(survivorId))
      throw new ConflictException('the survivor is merged into this contact: that would make a loop');
    const outcome = await this.contacts.execute(
      id,
      { kind: 'merge-into', survivorId, by: principal.subject },
      { correlationId: correlationIdOf(req) },
    );
    return { ...answerOutcome(outcome), survivorId };
  }

  @Post(':id/split')
  @HttpCode(200)
  @Roles('agent', 'supervisor')
  @ApiOperation({ summary: 'Undo the merge of this contact: it stands alone again, with all it had' })
  @ApiUuidParam('id')
  @ApiAnswer(CONTACTS_ANSWERS.recorded)
  @ApiErrors(400, 404, 409)
  async split(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
  ) {
    const outcome = await this.contacts.execute(
      id,
      { kind: 'split', by: principal.subject },
      { correlationId: correlationIdOf(req) },
    );
    return answerOutcome(outcome);
  }
}
