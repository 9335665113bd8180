import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { ApiAnswer, ApiErrors, correlationIdOf, openApiSchema, parseInput, Public } from '@journey/platform';
import { CHANNELS_ANSWERS } from '../channels-api.responses';
import { unprocessable } from '../webhooks/signed/signed-webhooks.controller';
import { IdentityNotVerified, identifySchema, visitorMessageSchema, WebChat } from './web-chat';

const sessionSchema = z.object({ token: z.string().max(512).optional() }).strict();
const visitorHeader = {
  name: 'x-visitor-token',
  required: true,
  description: 'The token from POST /v1/chat/{channelId}/sessions',
};

/** The web chat for clients that cannot hold a WebSocket (the same use cases as /v1/chat/socket). */
@ApiTags('web chat')
@Public()
@Controller('v1/chat/:channelId')
export class ChatController {
  constructor(private readonly chat: WebChat) {}

  @Post('sessions')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start a visitor session, or resume one with its token',
    description:
      'Anonymous first: the visitor gets an id and a token. The same token later resumes the same conversation.',
  })
  @ApiBody({ schema: openApiSchema(sessionSchema) })
  @ApiAnswer(CHANNELS_ANSWERS.visitorSession)
  @ApiErrors(400, 404, 409)
  session(@Param('channelId') channelId: string, @Body() body: unknown) {
    const { token } = parseInput(sessionSchema, body ?? {});
    return this.chat.session(channelId, token);
  }

  @Post('messages')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a visitor message (idempotent by clientMessageId)' })
  @ApiHeader(visitorHeader)
  @ApiBody({ schema: openApiSchema(visitorMessageSchema) })
  @ApiAnswer(CHANNELS_ANSWERS.messageReceipt)
  @ApiErrors(400, 401, 404, 409, 413, 422)
  async send(
    @Param('channelId') channelId: string,
    @Headers('x-visitor-token') token: string | undefined,
    @Body() body: unknown,
    @Req() req: Request,
  ) {
    const visitorId = this.visitor(channelId, token);
    const input = parseInput(visitorMessageSchema, body);
    const received = await this.chat
      .send(channelId, visitorId, input, correlationIdOf(req))
      .catch(unprocessable);
    return {
      conversationId: received.conversationId,
      messageId: received.messageId,
      duplicate: received.duplicate,
    };
  }

  @Get('messages')
  @ApiOperation({ summary: "The visitor's conversation (replies sent while away are delivered now)" })
  @ApiHeader(visitorHeader)
  @ApiAnswer(CHANNELS_ANSWERS.visitorConversation)
  @ApiErrors(401, 404, 409)
  async read(@Param('channelId') channelId: string, @Headers('x-visitor-token') token: string | undefined) {
    const conversationId = await this.chat.conversationOf(channelId, this.visitor(channelId, token));
    return { conversationId, messages: await this.chat.resume(conversationId) };
  }

  @Post('identify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The visitor says who they are',
    description:
      "An email alone is a claim (a weak match for contacts). With identityHash, the hex HMAC-SHA256 of the lower-cased email under the channel's identity secret, computed by the site where the customer is signed in, it is attested; a hash that does not match answers 401.",
  })
  @ApiHeader(visitorHeader)
  @ApiBody({ schema: openApiSchema(identifySchema) })
  @ApiAnswer(CHANNELS_ANSWERS.identified)
  @ApiErrors(400, 401, 404, 409, 422)
  identify(
    @Param('channelId') channelId: string,
    @Headers('x-visitor-token') token: string | undefined,
    @Body() body: unknown,
    @Req() req: Request,
  ) {
    const visitorId = this.visitor(channelId, token);
    return this.chat
      .identify(channelId, visitorId, parseInput(identifySchema, body), correlationIdOf(req))
      .catch((err: unknown) => {
        if (err instanceof IdentityNotVerified) throw new UnauthorizedException(err.message);
        return unprocessable(err);
      });
  }

  private visitor(channelId: string, token: string | undefined): string {
    const visitorId = this.chat.visitorOf(channelId, token);
    if (!visitorId) throw new UnauthorizedException('a valid x-visitor-token header is required');
    return visitorId;
  }
}
