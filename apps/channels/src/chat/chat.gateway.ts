import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import {
  ClientRateLimits,
  hasAnyRole,
  SERVICE_LOGGER,
  TokenVerifier,
  UNSAFE_TEXT_MESSAGE,
  unsafeTextPath,
} from '@journey/platform';
import type { Logger } from '@journey/platform';
import { ConversationRejected } from '../conversation/conversations';
import { ReplySender } from '../conversation/send-reply/reply-sender';
import { ChatHub } from './chat-hub';
import { IdentityNotVerified, identifySchema, visitorMessageSchema, WebChat } from './web-chat';
import { describeIssues } from '@journey/contracts';

export const CHAT_SOCKET_PATH = '/v1/chat/socket';

const visitorFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message') }).passthrough(),
  z.object({ type: z.literal('typing') }),
  z.object({ type: z.literal('read'), upToMessageId: z.uuid() }),
  z.object({ type: z.literal('identify') }).passthrough(),
]);

const agentFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), conversationId: z.uuid() }),
  z.object({ type: z.literal('typing'), conversationId: z.uuid() }),
  z.object({ type: z.literal('read'), conversationId: z.uuid(), upToMessageId: z.uuid() }),
  z.object({
    type: z.literal('reply'),
    conversationId: z.uuid(),
    clientMessageId: z.string().min(1).max(100),
    text: z.string().min(1).max(10_000),
  }),
]);

/**
 * Why a frame was refused. `invalid`, `rejected` and `not-found` are final: the same frame would be refused
 * again, so a client drops it rather than sending it after a reconnect. `rate-limited` and `internal` pass:
 * the client sends it again later (`retryAfterSeconds`, or its own backoff).
 */
export type ChatErrorCode = 'invalid' | 'rejected' | 'not-found' | 'rate-limited' | 'internal';

/** The clientMessageId a refused frame carried, to name it in the error: only a well-formed one. */
function clientMessageIdOf(json: unknown): string | undefined {
  const id = (json as { clientMessageId?: unknown } | null)?.clientMessageId;
  return typeof id === 'string' && /^[\x21-\x7e]{1,100}$/.test(id) ? id : undefined;
}

/**
 * The web chat over WebSocket at /v1/chat/socket. Visitors connect with ?channelId=&token= (from
 * POST /v1/chat/{channelId}/sessions), agents with ?access_token=<JWT>. Frames are JSON; every frame
 * is validated and a bad one is answered with {type:"error", code, reason, clientMessageId?} without
 * closing the socket.
 */
@Injectable()
export class ChatGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: WebSocketServer | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly chat: WebChat,
    private readonly hub: ChatHub,
    private readonly replies: ReplySender,
    private readonly tokens: TokenVerifier,
    private readonly limits: ClientRateLimits,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const http = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server = new WebSocketServer({ server: http, path: CHAT_SOCKET_PATH, maxPayload: 64 * 1024 });
    this.server.on('connection', (socket, req) => {
      // A frame past maxPayload, or one that breaks the protocol, makes ws emit 'error' and close the socket
      // (1009, 1002): without a listener that event would be thrown, and one visitor's frame would stop the
      // service. The socket's close is the whole answer; the client is told its code.
      socket.on('error', (err: Error & { code?: string }) =>
        this.logger.warn({ code: err.code, reason: err.message }, 'chat: socket closed on a bad frame'),
      );
      void this.accept(socket, req).catch((err: unknown) => {
        this.logger.warn({ err }, 'chat: connection failed');
        socket.close(1011, 'internal error');
      });
    });
  }

  /** Closes every socket (1001 "going away"), and cuts those that do not finish closing within a second. */
  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const socket of server.clients) socket.close(1001, 'server shutting down');
    const deadline = Date.now() + 1_000;
    while ([...server.clients].some((s) => s.readyState !== s.CLOSED) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    for (const socket of server.clients) socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Authenticates a new socket. Frames that arrive while that is under way wait for it (the listener is
   * attached at once, so a client that writes straight after "open" loses nothing).
   */
  private async accept(socket: WebSocket, req: IncomingMessage): Promise<void> {
    const query = new URL(req.url ?? '', 'http://localhost').searchParams;
    const accessToken = query.get('access_token');
    let handler: ((raw: RawData) => Promise<void>) | undefined;
    let resolveReady: () => void = () => undefined;
    const ready = new Promise<void>((r) => (resolveReady = r));
    socket.on('message', (raw) => {
      void ready.then(() => handler?.(raw));
    });
    try {
      if (accessToken) {
        const principal = await this.tokens.verify(accessToken).catch(() => undefined);
        if (!principal || !hasAnyRole(principal, ['agent', 'supervisor'])) {
          socket.close(4403, 'an agent or supervisor token is required');
          return;
        }
        handler = this.limited(socket, `sub:${principal.subject}`, (raw) =>
          this.onAgentFrame(socket, principal.subject, raw),
        );
        socket.send(JSON.stringify({ type: 'ready', agentId: principal.subject }));
        return;
      }
      const channelId = query.get('channelId') ?? '';
      let visitorId: string | undefined;
      try {
        visitorId = this.chat.visitorOf(channelId, query.get('token'));
      } catch {
        visitorId = undefined;
      }
      if (!visitorId) {
        socket.close(4401, 'a valid visitor token (or an agent access_token) is required');
        return;
      }
      const conversationId = await this.chat.conversationOf(channelId, visitorId);
      this.hub.join('visitor', conversationId, socket);
      const messages = await this.chat.resume(conversationId);
      socket.send(JSON.stringify({ type: 'session', conversationId, visitorId, messages }));
      const visitor = visitorId;
      handler = this.limited(socket, `visitor:${channelId}:${visitor}`, (raw) =>
        this.onVisitorFrame(socket, channelId, visitor, conversationId, raw),
      );
    } finally {
      resolveReady();
    }
  }

  private async onVisitorFrame(
    socket: WebSocket,
    channelId: string,
    visitorId: string,
    conversationId: string,
    raw: RawData,
  ): Promise<void> {
    const frame = this.parse(socket, visitorFrame, raw);
    if (!frame) return;
    const correlationId = randomUUID();
    try {
      if (frame.type === 'typing')
        this.hub.toAgents(conversationId, { type: 'typing', conversationId, from: 'customer' });
      else if (frame.type === 'read') {
        await this.chat.markRead(conversationId, 'customer', frame.upToMessageId, correlationId);
      } else if (frame.type === 'identify') {
        const { type: _type, ...fields } = frame;
        const input = identifySchema.safeParse(fields);
        if (!input.success) return this.error(socket, 'invalid', describeIssues(input.error, '(frame)'));
        const result = await this.chat.identify(channelId, visitorId, input.data, correlationId);
        socket.send(JSON.stringify({ type: 'identified', ...result }));
      } else {
        const input = visitorMessageSchema.safeParse(frame);
        if (!input.success)
          return this.error(
            socket,
            'invalid',
            describeIssues(input.error, '(frame)'),
            clientMessageIdOf(frame),
          );
        const received = await this.chat.send(channelId, visitorId, input.data, correlationId);
        socket.send(
          JSON.stringify({
            type: 'ack',
            clientMessageId: input.data.clientMessageId,
            messageId: received.messageId,
            duplicate: received.duplicate,
          }),
        );
      }
    } catch (err) {
      this.fail(socket, err, clientMessageIdOf(frame));
    }
  }

  private async onAgentFrame(socket: WebSocket, agentId: string, raw: RawData): Promise<void> {
    const frame = this.parse(socket, agentFrame, raw);
    if (!frame) return;
    try {
      if (frame.type === 'join') {
        this.hub.join('agent', frame.conversationId, socket);
        socket.send(JSON.stringify({ type: 'joined', conversationId: frame.conversationId }));
      } else if (frame.type === 'typing') {
        this.hub.toVisitor(frame.conversationId, {
          type: 'typing',
          conversationId: frame.conversationId,
          from: 'agent',
        });
      } else if (frame.type === 'read') {
        await this.chat.markRead(frame.conversationId, 'agent', frame.upToMessageId, randomUUID());
      } else {
        const sent = await this.replies.send(
          frame.conversationId,
          { text: frame.text, attachments: [], clientMessageId: frame.clientMessageId },
          agentId,
          randomUUID(),
        );
        socket.send(JSON.stringify({ type: 'ack', clientMessageId: frame.clientMessageId, ...sent }));
      }
    } catch (err) {
      this.fail(socket, err, clientMessageIdOf(frame));
    }
  }

  /**
   * A socket's frames spend its client's budget, as HTTP requests do (an agent's is the one of their
   * token's subject). A frame past it is dropped and answered with an error saying when to go on; the
   * socket stays open.
   */
  private limited(
    socket: WebSocket,
    client: string,
    handle: (raw: RawData) => Promise<void>,
  ): (raw: RawData) => Promise<void> {
    return async (raw) => {
      const answer = await this.limits.consume(client);
      if (answer.ok) return handle(raw);
      socket.send(
        JSON.stringify({
          type: 'error',
          code: 'rate-limited',
          retryAfterSeconds: answer.retryAfterSeconds,
          reason: `too many frames from this client; retry in ${answer.retryAfterSeconds} s`,
        }),
      );
    };
  }

  private parse<S extends z.ZodType>(socket: WebSocket, schema: S, raw: RawData): z.infer<S> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      this.error(socket, 'invalid', 'frames must be JSON');
      return undefined;
    }
    const unsafe = unsafeTextPath(json);
    if (unsafe !== undefined) {
      this.error(socket, 'invalid', `${unsafe}: ${UNSAFE_TEXT_MESSAGE}`, clientMessageIdOf(json));
      return undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      this.error(socket, 'invalid', describeIssues(parsed.error, '(frame)'), clientMessageIdOf(json));
      return undefined;
    }
    return parsed.data;
  }

  private fail(socket: WebSocket, err: unknown, clientMessageId: string | undefined): void {
    if (err instanceof ConversationRejected || err instanceof IdentityNotVerified)
      return this.error(socket, 'rejected', err.message, clientMessageId);
    if ((err as { status?: number }).status === 404)
      return this.error(socket, 'not-found', (err as Error).message, clientMessageId);
    this.logger.error({ err }, 'chat: frame failed');
    this.error(socket, 'internal', 'internal error; send it again later', clientMessageId);
  }

  private error(socket: WebSocket, code: ChatErrorCode, reason: string, clientMessageId?: string): void {
    socket.send(
      JSON.stringify({ type: 'error', code, reason, ...(clientMessageId ? { clientMessageId } : {}) }),
    );
  }
}
