import { Inject, Injectable } from '@nestjs/common';
import { ERASED } from '@journey/contracts';
import type { ChannelIdentity } from '@journey/contracts';
import { KEYED_IDS } from '@journey/messaging';
import type { KeyedIds } from '@journey/platform';
import { Contacts } from '../contact/contacts';
import { Contention } from '../contact/contention';
import { CONTACT_ERASED, identityKey, MERGE_IN_PROGRESS } from '../contact/domain/contact.decider';
import type { Interaction, JourneyFact } from '../contact/domain/contact.decider';
import { ContactMerges } from '../merge/contact-merges';
import { UnifiedView } from '../unified-view/unified-view';
import { conversationKey, IdentityRegistry } from './identity-registry';
import type { RegistryState } from './identity-registry';

/**
 * Identities that say "the same browser", not who the person is: a contact holding no others is an
 * anonymous visitor, which joins the customer it turns out to be when an attested identity names them.
 */
const ANONYMOUS_KINDS: ReadonlySet<ChannelIdentity['kind']> = new Set(['visitor-id']);
const RESOLUTION = 'identity-resolution';

export interface Observation {
  identities: ChannelIdentity[];
  conversationId?: string;
  name?: string;
  /** Where the name comes from, when the channel knows better than "attested if any identity is". */
  nameSource?: 'claimed' | 'attested';
  interaction?: Interaction;
  journeyFact?: JourneyFact;
  sourceEventId?: string;
  correlationId: string;
}

export interface Resolved {
  contactId: string;
  created: boolean;
  recorded: boolean;
}

/**
 * Finds the contact an observation belongs to, or creates one, deciding from the identity registry
 * in the event store (never from a read model):
 * 1. the contact of its conversation, when the conversation is registered;
 * 2. else the attested holder of an attested identity it carries;
 * 3. else a new contact, which holds the first of those identities only if it wins the registration
 *    (two replicas seeing one new customer at once make one contact; the loser joins the winner).
 * Its id is keyed on the observation (the source event), not on who the customer is.
 *
 * Attested facts never travel through a claim: an unverified identity held by someone else only
 * raises a merge suggestion. An attested identity held by another contact means the attesting system
 * says both are one customer: the two are merged (an anonymous visitor into the known customer).
 */
@Injectable()
export class IdentityResolution {
  constructor(
    private readonly contacts: Contacts,
    private readonly registry: IdentityRegistry,
    private readonly merges: ContactMerges,
    private readonly view: UnifiedView,
    @Inject(KEYED_IDS) private readonly ids: KeyedIds,
  ) {}

  /**
   * Reads what a batch of observations will decide on, together: the registry's streams of every
   * identity they carry (one round trip), then the streams of the contacts holding them (one more).
   * Answers the moment to pass to observe() as `freshSince`, so that their decisions start from these
   * states instead of each reading its streams' tails again.
   */
  async prefetch(observations: readonly Observation[]): Promise<number> {
    const since = this.registry.clock();
    const keys = [...new Set(observations.flatMap((o) => registryKeysOf(o).all))];
    const states = await this.registry.readAll(keys);
    const holders = [...new Set([...states.values()].flatMap((s) => (s.holder ? [s.holder] : [])))];
    await this.contacts.prefetch(holders);
    return since;
  }

  /**
   * Attributes the observation. `freshSince`: states the store confirmed since that moment (a batch's
   * prefetch) are decided on as they are; every append still names the revision it read, so a writer
   * that got there first is found out, and the decision made again from the store.
   */
  async observe(
    observation: Observation,
    retried = false,
    freshSince?: number,
  ): Promise<Resolved | undefined> {
    const o = observation;
    const { identities, attested, claims, convKey, attestedKeys } = registryKeysOf(o);
    if (!attestedKeys.length && !claims.length) return undefined; // nothing to attribute it to
    const fact = o.journeyFact;
    const seed =
      o.sourceEventId ?? (fact ? `${fact.source}\u0000${fact.kind}\u0000${fact.externalId}` : undefined);
    const candidate = this.ids.uuid(
      'contact',
      seed ?? [...attestedKeys, ...claims.map(identityKey)].join('\u0000'),
    );

    const decided = await this.decideContact(
      attestedKeys,
      claims,
      candidate,
      o.correlationId,
      identities.length,
      freshSince,
    );
    if (!decided) return undefined; // its conversation was erased: its words stay gone
    const { contactId, states, reserved } = decided;
    // A holder taken from the batch's states whose contact the batch did not find in the store: the
    // registry may have changed since (another replica gave a reservation back), and no append of this
    // decision would notice. Decide again from the store.
    if (
      freshSince !== undefined &&
      contactId !== candidate &&
      !this.contacts.confirmedSince(contactId, freshSince)
    )
      return this.observe(observation, retried);
    // Whether the contact is the conversation's (known before this observation) rather than the
    // holder of an identity the observation itself names.
    const conversationHeld =
      convKey !== undefined && reserved !== convKey && states.get(convKey)?.holder === contactId;

    // The identities this contact holds (registering the free ones), and those another one holds.
    const own: ChannelIdentity[] = [];
    const registered: string[] = reserved ? [reserved] : [];
    const heldElsewhere: { identity: ChannelIdentity; holder: string }[] = [];
    const suggestions: { identity: ChannelIdentity; other: string; reason: string }[] = [];
    if (convKey && !conversationHeld && reserved !== convKey) {
      const holder = await this.holderAfterRegistering(
        convKey,
        states,
        contactId,
        o.correlationId,
        freshSince,
      );
      // Another replica gave the conversation to its contact a moment ago: decide again.
      if (holder !== contactId) return this.again(observation, retried);
      registered.push(convKey);
    }
    for (const identity of attested) {
      const key = identityKey(identity);
      const before = (states.get(key) as RegistryState).holder;
      const holder = await this.holderAfterRegistering(key, states, contactId, o.correlationId, freshSince);
      if (holder === contactId) {
        own.push(identity);
        if (before !== contactId && key !== reserved) registered.push(key);
        // Visitors who typed it: shown to the owner's agent, never given anything of the owner's.
        for (const other of (states.get(key) as RegistryState).claimants
          .filter((c) => c !== contactId)
          .slice(0, 3))
          suggestions.push({
            identity,
            other,
            reason: `the ${identity.kind} attested here is claimed on another contact`,
          });
      } else if (holder) heldElsewhere.push({ identity, holder });
    }
    for (const identity of claims) {
      // A claim stays on the contact as unverified, and never makes it the identity's holder.
      own.push(identity);
      const key = identityKey(identity);
      const state = states.get(key) as RegistryState;
      if (state.holder && state.holder !== contactId) {
        suggestions.push({
          identity,
          other: state.holder,
          reason: `the ${identity.kind} claimed here is attested on another contact`,
        });
        continue;
      }
      if (state.holder !== contactId && !state.claimants.includes(contactId)) {
        await this.registry.register(key, contactId, false, o.correlationId, freshSince);
        registered.push(key);
      }
      for (const other of state.claimants.filter((c) => c !== contactId).slice(0, 3))
        suggestions.push({
          identity,
          other,
          reason: `the same unverified ${identity.kind} is on another contact`,
        });
    }

    // A new contact whose every identity another replica registered a moment ago: it is that one's
    // customer. The conversation this observation reserved for the new contact is given back first.
    if (contactId === candidate && own.length === 0 && !(await this.contacts.exists(candidate))) {
      if (convKey) await this.registry.release(convKey, candidate, false, o.correlationId);
      return this.again(observation, retried);
    }

    const vouched = attested.some((i) => !ANONYMOUS_KINDS.has(i.kind));
    const observedAt = o.interaction?.at ?? fact?.occurredAt;
    const outcome = await this.contacts.execute(
      contactId,
      {
        kind: 'observe',
        contactId,
        identities: own,
        ...(o.name ? { name: o.name, nameSource: o.nameSource ?? (vouched ? 'attested' : 'claimed') } : {}),
        ...(observedAt ? { observedAt } : {}),
        ...(o.sourceEventId ? { sourceEventId: o.sourceEventId } : {}),
        ...(o.interaction ? { interaction: o.interaction } : {}),
        ...(fact ? { journeyFact: fact } : {}),
      },
      {
        correlationId: o.correlationId,
        ...(o.sourceEventId ? { causationId: o.sourceEventId } : {}),
        ...(freshSince === undefined ? {} : { freshSince }),
      },
    );
    if (!outcome.ok && outcome.reason === CONTACT_ERASED) {
      // The contact was erased. What this observation registered to it is given back; a message of
      // its own conversation stays unattributed; an identity that still pointed at it (erased a
      // moment ago) is released, and the customer starts a new contact.
      for (const key of registered) await this.registry.release(key, contactId, false, o.correlationId);
      if (conversationHeld || contactId === candidate) return undefined;
      for (const key of attested.map(identityKey))
        await this.registry.release(key, contactId, false, o.correlationId);
      return this.again(observation, retried);
    }
    if (!outcome.ok) throw new Error(outcome.reason);

    for (const { identity, holder } of heldElsewhere) {
      // The observation names identities of two contacts at once (an order with one's email and the
      // other's WeChat login): one customer. An identity that only meets a conversation's contact
      // proves that much only for an anonymous visitor signing in; otherwise an agent decides.
      const joined = conversationHeld
        ? (await this.isAnonymous(await this.merges.rootOf(contactId))) &&
          (await this.joinAttested(contactId, holder, o.correlationId))
        : await this.joinAttested(contactId, holder, o.correlationId);
      if (!joined)
        suggestions.push({
          identity,
          other: holder,
          reason: `the attested ${identity.kind} seen here is held by another contact`,
        });
    }
    for (const s of suggestions)
      await this.contacts.execute(
        contactId,
        { kind: 'suggest-merge', otherContactId: s.other, identity: s.identity, reason: s.reason },
        { correlationId: o.correlationId },
      );
    const created = outcome.events.some((e) => e.type === 'contacts.contact-created.v1');
    // A new customer whose name another contact already has: the weakest match, only a suggestion.
    if (created && o.name)
      for (const other of await this.view.contactsNamed(o.name, contactId))
        await this.contacts.execute(
          contactId,
          { kind: 'suggest-merge', otherContactId: other, reason: 'the same name is on another contact' },
          { correlationId: o.correlationId },
        );
    return {
      contactId,
      created,
      recorded: outcome.events.some(
        (e) =>
          e.type === 'contacts.interaction-recorded.v1' || e.type === 'contacts.journey-event-recorded.v1',
      ),
    };
  }

  /** The contact the observation belongs to, decided by the registry; undefined for an erased conversation. */
  private async decideContact(
    attestedKeys: string[],
    claims: ChannelIdentity[],
    candidate: string,
    correlationId: string,
    identityCount: number,
    freshSince: number | undefined,
  ): Promise<{ contactId: string; states: Map<string, RegistryState>; reserved?: string } | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      // After a lost race, read the store again: the prefetched states are what lost it.
      const trusted = attempt === 0 ? freshSince : undefined;
      const states = await this.registry.readAll([...attestedKeys, ...claims.map(identityKey)], trusted);
      if (attestedKeys.some((k) => states.get(k)?.closed && k.startsWith('conversation:'))) return undefined;
      const holder = attestedKeys.map((k) => states.get(k)?.holder).find(Boolean);
      if (holder) return { contactId: holder, states };
      // A conversation nobody is known in, seen without an identity (an agent's message, or one whose
      // identities were erased): nothing says who it is about.
      if (identityCount === 0) return undefined;
      const first = attestedKeys[0];
      if (!first) return { contactId: candidate, states };
      const after = await this.registry.register(first, candidate, true, correlationId, trusted);
      if (!after) return undefined;
      states.set(first, after);
      if (after.holder === candidate) return { contactId: candidate, states, reserved: first };
      // Another replica registered it a moment ago: read again and join its contact.
    }
    throw new Contention('identity resolution: the registry kept changing; trying the event again');
  }

  private async holderAfterRegistering(
    key: string,
    states: Map<string, RegistryState>,
    contactId: string,
    correlationId: string,
    freshSince: number | undefined,
  ): Promise<string | undefined> {
    const state = states.get(key) as RegistryState;
    if (state.holder) return state.holder;
    const after = await this.registry.register(key, contactId, true, correlationId, freshSince);
    if (after) states.set(key, after);
    return after?.holder;
  }

  /**
   * The observation's attesting system names an identity another contact holds: both are one
   * customer. An anonymous visitor joins the known customer; otherwise the other joins this one.
   */
  private async joinAttested(contactId: string, holder: string, correlationId: string): Promise<boolean> {
    const [mine, theirs] = await Promise.all([this.merges.rootOf(contactId), this.merges.rootOf(holder)]);
    if (mine === theirs) return true;
    const anonymous = await this.isAnonymous(mine);
    const [merged, survivor] =
      anonymous && !(await this.isAnonymous(theirs)) ? [mine, theirs] : [theirs, mine];
    const outcome = await this.merges.merge(merged, survivor, {
      by: RESOLUTION,
      correlationId,
      follow: true,
    });
    // A merge that kept meeting others is tried again later; an erased contact takes no merge.
    if (!outcome.ok && outcome.reason === MERGE_IN_PROGRESS)
      throw new Contention(`identity resolution: ${outcome.reason}`);
    return outcome.ok;
  }

  /** Decides the observation once more (the registry changed under it), or waits if it keeps changing. */
  private again(observation: Observation, retried: boolean): Promise<Resolved | undefined> {
    if (retried)
      return Promise.reject(new Contention('identity resolution: the registry kept changing; trying again'));
    return this.observe(observation, true);
  }

  private async isAnonymous(contactId: string): Promise<boolean> {
    const state = await this.contacts.state(contactId);
    return !state.identities.some((i) => i.verified && !ANONYMOUS_KINDS.has(i.kind));
  }
}

/** The identities an observation carries, and the registry keys its decision reads. */
function registryKeysOf(o: Observation) {
  // An identity erased before this event was read (a replayed or late event) says nothing any more.
  const identities = distinct(o.identities.filter((i) => i.value !== ERASED));
  const attested = identities.filter((i) => i.verified);
  const claims = identities.filter((i) => !i.verified);
  const convKey = o.conversationId ? conversationKey(o.conversationId) : undefined;
  const attestedKeys = [...(convKey ? [convKey] : []), ...attested.map(identityKey)];
  return {
    identities,
    attested,
    claims,
    convKey,
    attestedKeys,
    all: [...attestedKeys, ...claims.map(identityKey)],
  };
}

function distinct(identities: ChannelIdentity[]): ChannelIdentity[] {
  const byKey = new Map<string, ChannelIdentity>();
  for (const i of identities) {
    const known = byKey.get(identityKey(i));
    if (!known || (i.verified && !known.verified)) byKey.set(identityKey(i), i);
  }
  return [...byKey.values()];
}
