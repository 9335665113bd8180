import { Injectable } from '@nestjs/common';
import type { WebSocket } from 'ws';

/** What the server pushes to chat sockets. */
export type ChatPush =
  | {
      type: 'message';
      conversationId: string;
      messageId: string;
      from: 'customer' | 'agent' | 'automation';
      /** The agent's or the automation's id (not the customer's). */
      authorId?: string;
      text?: string;
      /** A satisfaction survey: the widget shows a rating prompt that posts to this link. */
      survey?: { url: string };
      attachments?: unknown[];
      at: string;
    }
  | { type: 'typing'; conversationId: string; from: 'customer' | 'agent' }
  | { type: 'read'; conversationId: string; reader: 'customer' | 'agent'; upToMessageId: string };

/** The chat sockets open on this replica, by conversation: visitors and the agents who joined. */
@Injectable()
export class ChatHub {
  private readonly visitors = new Map<string, Set<WebSocket>>();
  private readonly agents = new Map<string, Set<WebSocket>>();

  join(role: 'visitor' | 'agent', conversationId: string, socket: WebSocket): void {
    const map = role === 'visitor' ? this.visitors : this.agents;
    const set = map.get(conversationId) ?? new Set();
    set.add(socket);
    map.set(conversationId, set);
    socket.once('close', () => {
      set.delete(socket);
      if (set.size === 0) map.delete(conversationId);
    });
  }

  /** Sends to the visitor's open sockets; true when at least one took it. */
  toVisitor(conversationId: string, push: ChatPush): boolean {
    return this.send(this.visitors.get(conversationId), push) > 0;
  }

  toAgents(conversationId: string, push: ChatPush): void {
    this.send(this.agents.get(conversationId), push);
  }

  private send(sockets: Set<WebSocket> | undefined, push: ChatPush): number {
    let sent = 0;
    for (const s of sockets ?? [])
      if (s.readyState === s.OPEN) {
        s.send(JSON.stringify(push));
        sent += 1;
      }
    return sent;
  }
}
