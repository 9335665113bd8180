import { Controller, Delete, NotFoundException, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { CONTACTS_ANSWERS } from '../contacts-api.responses';
import { PersonalDataErasure } from './personal-data-erasure';

/** `DELETE /v1/contacts/:id/personal-data`: the customer's right to erasure. */
@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class ErasureController {
  constructor(private readonly erasure: PersonalDataErasure) {}

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
}
