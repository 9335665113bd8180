import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, ApiErrors, ApiUuidParam, Roles } from '@journey/platform';
import { servedFields } from '@journey/projections';
import { Catalogue } from '../article/catalogue';
import { suggestionsAnswer } from './knowledge-api.schemas';

@ApiTags('auto-answer')
@ApiBearerAuth()
@Controller('v1')
export class AnswersController {
  constructor(private readonly catalogue: Catalogue) {}

  @Get('conversations/:conversationId/suggestions')
  @Roles('agent', 'supervisor', 'admin')
  @ApiOperation({
    summary:
      "What auto-answer did with a conversation's last customer message, with the articles it suggests",
    description:
      'For the agent who takes the conversation over: answered or handed off, the reasons (below threshold, VIP customer, flagged product, asked for a person, answered last time, …) and up to five suggested articles of every audience, with their confidence.',
  })
  @ApiUuidParam('conversationId')
  @ApiAnswer(suggestionsAnswer)
  @ApiErrors(400, 401, 403, 404)
  async suggestions(@Param('conversationId', ParseUUIDPipe) conversationId: string) {
    const doc = await (await this.catalogue.suggestions()).findOne({ _id: conversationId as never });
    if (!doc?.['last']) throw new NotFoundException('auto-answer has decided nothing in this conversation');
    return { answered: 0, handedOff: 0, ...servedFields(doc) };
  }
}
