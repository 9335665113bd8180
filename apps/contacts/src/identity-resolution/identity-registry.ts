import { Inject, Injectable } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import { handleCommand, loadState, loadStates, reject } from '@journey/eventstore';
import type { AggregateCaches, Decider, EventStore } from '@journey/eventstore';
import { AGGREGATE_CACHES, EVENT_STORE, KEYED_IDS } from '@journey/messaging';
import type { KeyedIds } from '@journey/platform';

/** The most unattested claimants one identity keeps (more say nothing new: merge suggestions exist). */
export const CLAIMANTS_MAX = 20;

/** An erased conversation: nothing of it is attributed to anyone again. */
export const REGISTRY_CLOSED = 'the conversation was erased';

export type RegistryEvent =
  | { type: 'contacts.identity-registered.v1'; data: { contactId: string; attested: boolean } }
  | { type: 'contacts.identity-released.v1'; data: { contactId: string; closed: boolean } };

export type RegistryCommand =
  | { kind: 'register'; contactId: string; attested: boolean }
  | { kind: 'release'; contactId: string; close: boolean };

/** Who holds one identity: the one attested holder, and contacts that only claimed it. */
export interface RegistryState {
  holder: string | undefined;
  claimants: string[];
  closed: boolean;
}

export const registryDecider: Decider<RegistryCommand, RegistryState, RegistryEvent> = {
  initialState: () => ({ holder: undefined, claimants: [], closed: false }),
  evolve(state, event) {
    const { contactId } = event.data;
    if (event.type === 'contacts.identity-released.v1')
      return {
        holder: state.holder === contactId ? undefined : state.holder,
        claimants: state.claimants.filter((c) => c !== contactId),
        closed: state.closed || event.data.closed,
      };
    if (event.data.attested)
      return { ...state, holder: contactId, claimants: state.claimants.filter((c) => c !== contactId) };
    return { ...state, claimants: [...state.claimants, contactId] };
  },
  decide(command, state) {
    const { contactId } = command;
    if (command.kind === 'release') {
      const held = state.holder === contactId || state.claimants.includes(contactId);
      return held || (command.close && !state.closed)
        ? [{ type: 'contacts.identity-released.v1', data: { contactId, closed: command.close } }]
        : [];
    }
    if (state.closed) return reject(REGISTRY_CLOSED);
    // The first attested holder keeps it: the caller reads who that is from the state.
    if (command.attested) {
      if (state.holder) return [];
      return [{ type: 'contacts.identity-registered.v1', data: { contactId, attested: true } }];
    }
    if (state.holder === contactId || state.claimants.includes(contactId)) return [];
    if (state.claimants.length >= CLAIMANTS_MAX) return [];
    return [{ type: 'contacts.identity-registered.v1', data: { contactId, attested: false } }];
  },
};

/** The registry's key of a conversation (an identity's is identityKey: kind and case-folded value). */
export const conversationKey = (conversationId: string) => `conversation:${conversationId}`;

/**
 * Which contact holds an identity, decided in the event store: one stream per identity, named by a
 * keyed digest so that neither its name nor its events hold the identity. Registering appends with
 * the revision read, so of two replicas registering one identity at once exactly one holds it, and the
 * other reads who. Replaying the store rebuilds it: there is nothing else to keep in step.
 */
@Injectable()
export class IdentityRegistry {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AGGREGATE_CACHES) private readonly caches: AggregateCaches,
    @Inject(KEYED_IDS) private readonly ids: KeyedIds,
  ) {}

  streamOf(key: string): string {
    return `identity-${this.ids.digest('identity', key)}`;
  }

  async read(key: string): Promise<RegistryState> {
    const cache = this.caches.for<RegistryState>('identity');
    return (await loadState(this.store, this.streamOf(key), registryDecider, cache)).state;
  }

  /**
   * Who holds each identity, the streams' tails read together (one round trip); states the store
   * confirmed at or after `freshSince` (a batch's read a moment ago) are taken from the cache as they are.
   */
  async readAll(keys: readonly string[], freshSince?: number): Promise<Map<string, RegistryState>> {
    const cache = this.caches.for<RegistryState>('identity');
    const streams = keys.map((k) => this.streamOf(k));
    const loaded = await loadStates(this.store, streams, registryDecider, cache, freshSince);
    return new Map(
      keys.map((k, i) => [k, (loaded.get(streams[i] as string) as { state: RegistryState }).state]),
    );
  }

  /** The caches' clock: read before a batch's prefetch, it is the `freshSince` of the batch's decisions. */
  clock(): number {
    return this.caches.clock();
  }

  /** Registers the contact for the identity and answers the registry's state after it. */
  async register(
    key: string,
    contactId: string,
    attested: boolean,
    correlationId: string,
    freshSince?: number,
  ): Promise<RegistryState | undefined> {
    const outcome = await this.execute(
      key,
      { kind: 'register', contactId, attested },
      contactId,
      correlationId,
      freshSince,
    );
    return outcome.ok ? outcome.state : undefined;
  }

  async release(key: string, contactId: string, close: boolean, correlationId: string): Promise<void> {
    await this.execute(key, { kind: 'release', contactId, close }, contactId, correlationId);
  }

  private execute(
    key: string,
    command: RegistryCommand,
    contactId: string,
    correlationId: string,
    freshSince?: number,
  ) {
    return handleCommand(this.store, this.streamOf(key), registryDecider, command, {
      metadata: { source: 'contacts', contactId, correlationId, schemaVersion: 1 },
      maxRetries: 10,
      cache: this.caches.for<RegistryState>('identity'),
      validate: (e) => journeyCatalogue.check(e.type, e.data),
      ...(freshSince === undefined ? {} : { freshSince }),
    });
  }
}
