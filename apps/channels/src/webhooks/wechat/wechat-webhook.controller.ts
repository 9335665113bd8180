import { randomBytes } from 'node:crypto';
import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors, correlationIdOf, parseInput, Public } from '@journey/platform';
import type { ChannelsConfig } from '../../channel-config/channels-config';
import { CHANNELS_CONFIG } from '../../channel-config/channels-config';
import { Conversations } from '../../conversation/conversations';
import type { Inbound } from '../../conversation/conversations';
import { unprocessable } from '../signed/signed-webhooks.controller';
import { signatureMatches, WechatCipher, wechatSignature } from './wechat-crypto';
import { keyedDigest, WechatReplayGuard } from './wechat-replay-guard';
import { buildWechatXml, MalformedXml, parseWechatXml, wechatFieldsSchema } from './wechat-xml';

type Account = ChannelsConfig['wechat'][number];

/** What makes a message the same one when WeChat redelivers it: its MsgId, or for an event its sender, time and kind. */
const messageIdentity = (f: Record<string, string>): string =>
  f['MsgId'] ?? f['MsgID'] ?? `event:${f['FromUserName'] ?? ''}:${f['CreateTime'] ?? ''}:${f['Event'] ?? ''}`;

const ACTIONS: Record<string, 'subscribe' | 'unsubscribe' | 'menu-click' | 'scan'> = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  CLICK: 'menu-click',
  SCAN: 'scan',
};

@ApiTags('webhooks')
@Public()
@Controller('v1/webhooks/wechat')
export class WechatWebhookController {
  constructor(
    @Inject(CHANNELS_CONFIG) private readonly config: ChannelsConfig,
    private readonly conversations: Conversations,
    private readonly replay: WechatReplayGuard,
  ) {}

  @Get(':accountId')
  @ApiOperation({ summary: "WeChat's server URL check: echoes echostr when the signature is right" })
  @ApiQuery({ name: 'signature' })
  @ApiQuery({ name: 'timestamp' })
  @ApiQuery({ name: 'nonce' })
  @ApiQuery({ name: 'echostr' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'echostr', schema: { type: 'string' } })
  @ApiErrors(400, 401, 404)
  async verifyUrl(
    @Param('accountId') accountId: string,
    @Query() query: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const account = this.account(accountId);
    const { timestamp, nonce, echostr, signature } = query;
    if (typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof echostr !== 'string')
      throw new BadRequestException('signature, timestamp, nonce and echostr are required');
    if (!signatureMatches(wechatSignature(account.token, timestamp, nonce), signature))
      throw new UnauthorizedException('signature check failed');
    this.replay.checkTimestamp(timestamp);
    // The URL check's nonce is spent on it: the same signature cannot then post a message.
    await this.replay.claim(account.id, timestamp, nonce, 'url-check', account.appSecret);
    res.type('text/plain').send(echostr);
  }

  @Post(':accountId')
  @ApiOperation({
    summary:
      'A message or event from WeChat (text, image, voice, video, location, link, subscribe, menu click)',
    description:
      'Plaintext or safe (AES) mode. Answers within WeChat’s 5-second limit: with a passive reply when an auto-reply rule matches, else "success". MsgId (or sender + CreateTime for events) makes redeliveries harmless.',
  })
  @ApiConsumes('text/xml', 'application/xml')
  @ApiProduces('text/plain', 'application/xml')
  @ApiOkResponse({
    description: '"success" or the passive reply XML (encrypted in safe mode)',
    schema: { type: 'string' },
  })
  @ApiErrors(400, 401, 404, 409, 413, 422)
  async receive(
    @Param('accountId') accountId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const account = this.account(accountId);
    const { timestamp, nonce, signature } = query;
    if (typeof timestamp !== 'string' || typeof nonce !== 'string')
      throw new UnauthorizedException('signature check failed: timestamp and nonce are required');
    if (!signatureMatches(wechatSignature(account.token, timestamp, nonce), signature))
      throw new UnauthorizedException('signature check failed');
    this.replay.checkTimestamp(timestamp);
    if (typeof req.body !== 'string' || !req.body)
      throw new BadRequestException('send the message as text/xml');
    const safeMode = query['encrypt_type'] === 'aes';
    const mode = account.messageMode ?? (account.encodingAesKey ? 'compatible' : 'plaintext');
    if (mode === 'safe' && !safeMode)
      throw new UnauthorizedException(
        'this account is in safe mode: messages must come encrypted (encrypt_type=aes, msg_signature)',
      );
    if (mode === 'plaintext' && safeMode)
      throw new BadRequestException('this account is in plaintext mode: encrypted messages are not expected');
    const fields = parseInput(
      wechatFieldsSchema,
      this.readMessage(account, req.body, safeMode, query['msg_signature'], timestamp, nonce),
      'XML',
    ) as Record<string, string>;
    await this.replay.claim(account.id, timestamp, nonce, messageIdentity(fields), account.appSecret);

    const inbound = this.toInbound(account, fields);
    if (!inbound) {
      res.status(200).type('text/plain').send('success'); // an event the platform does not record (e.g. a template receipt)
      return;
    }
    const received = await this.conversations
      .receive(inbound, { correlationId: correlationIdOf(req), passiveAutoReply: true })
      .catch(unprocessable);
    const replyText =
      received.autoReply?.text ?? (received.duplicate ? await this.earlierAutoReply(received) : undefined);
    if (!replyText) {
      res.status(200).type('text/plain').send('success');
      return;
    }
    const reply = buildWechatXml({
      ToUserName: fields['FromUserName'] ?? '',
      FromUserName: fields['ToUserName'] ?? '',
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'text',
      Content: replyText,
    });
    res
      .status(200)
      .type('application/xml')
      .send(safeMode ? this.encryptReply(account, reply) : reply);
  }

  private account(accountId: string): Account {
    const account = this.config.wechat.find((a) => a.id === accountId);
    if (!account) throw new NotFoundException(`no WeChat account ${accountId}`);
    return account;
  }

  private readMessage(
    account: Account,
    body: string,
    safeMode: boolean,
    msgSignature: unknown,
    timestamp: string,
    nonce: string,
  ): Record<string, string> {
    try {
      const outer = parseWechatXml(body);
      if (!safeMode) return outer;
      const encrypted = outer['Encrypt'];
      if (!encrypted) throw new MalformedXml('safe mode needs an <Encrypt> element');
      if (!signatureMatches(wechatSignature(account.token, timestamp, nonce, encrypted), msgSignature))
        throw new UnauthorizedException('msg_signature check failed');
      if (!account.encodingAesKey)
        throw new BadRequestException('this account has no EncodingAESKey for safe mode');
      let inner: string;
      try {
        inner = new WechatCipher(account.encodingAesKey, account.appId).decrypt(encrypted);
      } catch (err) {
        throw new BadRequestException(`cannot decrypt the message: ${(err as Error).message}`);
      }
      return parseWechatXml(inner);
    } catch (err) {
      if (err instanceof MalformedXml) throw new BadRequestException(`malformed XML: ${err.message}`);
      throw err;
    }
  }

  private toInbound(account: Account, f: Record<string, string>): Inbound | undefined {
    const openid = f['FromUserName'];
    const type = f['MsgType'];
    const created = Number(f['CreateTime']);
    if (!openid || !type || !Number.isFinite(created) || created <= 0)
      throw new BadRequestException('malformed XML: FromUserName, MsgType and CreateTime are required');
    const base = {
      channel: 'wechat' as const,
      channelId: account.id,
      threadKey: openid,
      identities: [{ kind: 'wechat-openid' as const, value: openid, verified: true }],
      attachments: [] as Inbound['attachments'],
      receivedAt: new Date(created * 1000).toISOString(),
    };
    const media = (contentType: string) => [
      { reference: f['PicUrl'] ?? `wechat-media:${account.appId}/${f['MediaId'] ?? ''}`, contentType },
    ];
    const msgId = f['MsgId'] ?? f['MsgID'];
    if (type === 'event') {
      const action = ACTIONS[f['Event'] ?? ''];
      if (!action) return undefined;
      return {
        ...base,
        // Keyed, so that the id stored in clear is no copy of the openid (erasure leaves nothing of it).
        providerMessageId: `event:${keyedDigest(account.appSecret, messageIdentity(f))}`,
        customerAction: { name: action, ...(f['EventKey'] ? { key: f['EventKey'] } : {}) },
      };
    }
    if (!msgId) throw new BadRequestException('malformed XML: a message needs MsgId');
    switch (type) {
      case 'text':
        if (!f['Content']) throw new BadRequestException('malformed XML: a text message needs Content');
        return { ...base, providerMessageId: msgId, text: f['Content'] };
      case 'image':
        return { ...base, providerMessageId: msgId, attachments: media('image/jpeg') };
      case 'voice':
        return {
          ...base,
          providerMessageId: msgId,
          attachments: media(`audio/${(f['Format'] ?? 'amr').toLowerCase()}`),
          ...(f['Recognition'] ? { text: f['Recognition'] } : {}),
        };
      case 'video':
      case 'shortvideo':
        return { ...base, providerMessageId: msgId, attachments: media('video/mp4') };
      case 'location':
        return {
          ...base,
          providerMessageId: msgId,
          text: `📍 ${f['Label'] ?? ''} (${f['Location_X'] ?? '?'}, ${f['Location_Y'] ?? '?'})`.trim(),
        };
      case 'link':
        return { ...base, providerMessageId: msgId, text: `${f['Title'] ?? ''} ${f['Url'] ?? ''}`.trim() };
      default:
        throw new BadRequestException(`unsupported MsgType ${type}`);
    }
  }

  /** A redelivered message gets the same passive reply as the first delivery (WeChat may not have seen it). */
  private async earlierAutoReply(received: {
    conversationId: string;
    messageId: string;
  }): Promise<string | undefined> {
    const { events } = await this.conversations.load(received.conversationId);
    const at = events.findIndex(
      (e) => e.type === 'channels.message-received.v1' && e.data.messageId === received.messageId,
    );
    const next = events
      .slice(at + 1)
      .find((e) => e.type === 'channels.message-sent.v1' || e.type === 'channels.message-received.v1');
    return next?.type === 'channels.message-sent.v1' && next.data.passive ? next.data.text : undefined;
  }

  private encryptReply(account: Account, reply: string): string {
    const cipher = new WechatCipher(account.encodingAesKey as string, account.appId);
    const encrypted = cipher.encrypt(reply);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    return buildWechatXml({
      Encrypt: encrypted,
      MsgSignature: wechatSignature(account.token, timestamp, nonce, encrypted),
      TimeStamp: Number(timestamp),
      Nonce: nonce,
    });
  }
}
