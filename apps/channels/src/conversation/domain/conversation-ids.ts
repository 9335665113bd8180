import { v5 as uuidv5 } from 'uuid';
import type { ChannelKind } from '@journey/contracts';
import type { KeyedIds } from '@journey/platform';

// Fixed namespace of the channels context: the same input gives the same id on every replica.
const NAMESPACE = '4f0d3b52-6f8e-4c7e-9d33-2a1f5e8b7c60';

/**
 * A conversation is one thread per customer identity and configured channel (a visitor on the web
 * site, an openid on a WeChat account, a caller on a line), or per email thread (its root Message-ID).
 * Deriving the id from that key finds the conversation again without a lookup table; keying it with
 * the installation's secret means nobody can compute it from an openid or a phone number.
 */
export function conversationIdFor(
  ids: KeyedIds,
  channel: ChannelKind,
  channelId: string,
  threadKey: string,
): string {
  return ids.uuid('conversation', channel, channelId, threadKey);
}

export const conversationStream = (conversationId: string) => `conversation-${conversationId}`;

/** A message id derived from the provider's id: a redelivered webhook names the same message. */
export function inboundMessageId(conversationId: string, providerMessageId: string): string {
  return uuidv5(`in\u0000${conversationId}\u0000${providerMessageId}`, NAMESPACE);
}

/** Event ids derived from a command key, so a retried command cannot append its events twice. */
export function derivedEventId(commandKey: string, index: number): string {
  return uuidv5(`event\u0000${commandKey}\u0000${index}`, NAMESPACE);
}
