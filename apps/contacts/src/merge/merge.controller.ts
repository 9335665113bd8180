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
import { ContactMerges } from './contact-merges';

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
    private readonly merges: ContactMerges,
  ) {}

  @Post(':id/merge')
  @HttpCode(200)
  @Roles('agent', 'supervisor')
  @ApiOperation({
    summary: 'Merge this contact into the survivor the agent chose',
    description:
      'The contact joins the survivor, or the contact the survivor was merged into (the answer names it). Decided from the event store: 409 when this contact is already merged elsewhere, when the survivor is merged into this contact (a loop), or when the survivor was erased.',
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
    const outcome = await this.merges.merge(id, survivorId, {
      by: principal.subject,
      correlationId: correlationIdOf(req),
    });
    if (!outcome.ok) {
      if (outcome.status === 404) throw new NotFoundException(outcome.reason);
      throw new ConflictException(outcome.reason);
    }
    return {
      recorded: outcome.merged ? ['contacts.contact-merged.v1'] : [],
      survivorId: outcome.survivorId,
    };
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
