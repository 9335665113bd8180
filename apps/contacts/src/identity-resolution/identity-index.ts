import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap } from '@nestjs/common';
import type { Collection, Db } from 'mongodb';
import { InfrastructureConnections } from '@journey/platform';
import type { ChannelIdentity } from '@journey/contracts';
import { identityKey } from '../contact/domain/contact.decider';

interface IdentityEntry {
  _id: string;
  contactId: string;
  verified: boolean;
}
interface ConversationEntry {
  _id: string;
  contactId: string;
}

/**
 * Which contact holds an identity, and which contact a conversation belongs to: the lookup tables of
 * identity resolution (MongoDB). Written after the contact's events are appended, with idempotent
 * upserts, so a crash in between is repaired when the event is processed again.
 */
@Injectable()
export class IdentityIndex implements OnApplicationBootstrap {
  constructor(@Inject(InfrastructureConnections) private readonly connections: InfrastructureConnections) {}

  private async db(): Promise<Db> {
    // mongoose bundles its own copy of the driver; the two Db types describe the same object.
    return (await this.connections.readModelDb()) as unknown as Db;
  }

  private async identities(): Promise<Collection<IdentityEntry>> {
    return (await this.db()).collection<IdentityEntry>('identity_index');
  }

  private async conversations(): Promise<Collection<ConversationEntry>> {
    return (await this.db()).collection<ConversationEntry>('conversation_index');
  }

  async onApplicationBootstrap(): Promise<void> {
    const db = await this.db();
    const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    for (const name of ['identity_index', 'conversation_index'])
      if (!existing.has(name)) await db.createCollection(name).catch(() => undefined);
  }

  async lookup(identities: ChannelIdentity[]): Promise<Map<string, IdentityEntry>> {
    const keys = identities.map(identityKey);
    const found = await (await this.identities()).find({ _id: { $in: keys } }).toArray();
    return new Map(found.map((e) => [e._id, e]));
  }

  async contactOf(identity: Pick<ChannelIdentity, 'kind' | 'value'>): Promise<string | undefined> {
    return (await (await this.identities()).findOne({ _id: identityKey(identity) }))?.contactId;
  }

  async contactOfConversation(conversationId: string): Promise<string | undefined> {
    return (await (await this.conversations()).findOne({ _id: conversationId }))?.contactId;
  }

  /** Records the contact's identities (never taking one from another contact) and conversation. */
  async remember(contactId: string, identities: ChannelIdentity[], conversationId?: string): Promise<void> {
    const collection = await this.identities();
    for (const identity of identities) {
      await collection.updateOne(
        { _id: identityKey(identity) },
        { $setOnInsert: { contactId }, $max: { verified: identity.verified } },
        { upsert: true },
      );
    }
    if (conversationId)
      await (
        await this.conversations()
      ).updateOne({ _id: conversationId }, { $setOnInsert: { contactId } }, { upsert: true });
  }

  /** Erasure: the index forgets these contacts' identities (their values are personal data) and conversations. */
  async forget(contactIds: string[]): Promise<void> {
    await (await this.identities()).deleteMany({ contactId: { $in: contactIds } });
    await (await this.conversations()).deleteMany({ contactId: { $in: contactIds } });
  }
}
