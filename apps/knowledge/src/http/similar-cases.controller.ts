import { Controller, Get, NotFoundException, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiErrors, ApiUuidParam, parseInput, Roles } from '@journey/platform';
import { SimilarCases } from '../similar/similar-cases';
import { similarAnswer, similarLimitSchema, similarQuerySchema } from './knowledge-api.schemas';

@ApiTags('similar cases')
@ApiBearerAuth()
@Controller('v1')
export class SimilarCasesController {
  constructor(private readonly similar: SimilarCases) {}

  @Get('similar-cases')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary: 'Solved tickets like a question, best first, with the reply that solved each',
    description:
      'Chinese and English, analysed as article search is. Erased and merged tickets are never suggested.',
  })
  @ApiQuery({ name: 'q', required: true, description: 'The question (up to 200 characters)' })
  @ApiQuery({ name: 'limit', required: false, description: '1–20, default 5' })
  @ApiAnswer(similarAnswer)
  @ApiErrors(400, 401, 403)
  async like(@Query() query: unknown) {
    const q = parseInput(similarQuerySchema, query, 'query');
    return { cases: await this.similar.like(q.q, { limit: q.limit }) };
  }

  @Get('tickets/:ticketId/similar-cases')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({ summary: 'Solved tickets like this one (by its subject), the ticket itself left out' })
  @ApiUuidParam('ticketId')
  @ApiQuery({ name: 'limit', required: false, description: '1–20, default 5' })
  @ApiAnswer(similarAnswer)
  @ApiErrors(400, 401, 403, 404)
  async likeTicket(@Param('ticketId', ParseUUIDPipe) ticketId: string, @Query() query: unknown) {
    const q = parseInput(similarLimitSchema, query, 'query');
    const question = await this.similar.questionOf(ticketId);
    if (question === undefined) throw new NotFoundException('no such ticket, or its subject was erased');
    return { cases: await this.similar.like(question, { limit: q.limit, exclude: ticketId }) };
  }
}
