import { Inject, Injectable } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import type { EventStore } from '@journey/eventstore';
import { EVENT_STORE } from '@journey/messaging';
import { groupStream, MACROS_STREAM, PROACTIVE_RULES_STREAM, SLA_BOOK_STREAM } from '../ticket/ticket-ids';
import { macrosSchema } from '../macros/macros';
import type { Macro } from '../macros/macros';
import { EMPTY_BOOK, policyBookSchema } from './domain/sla-policy-book';
import type { PolicyBook } from './domain/sla-policy-book';
import { proactiveRulesSchema } from '../intake/proactive-rules';
import type { ProactiveRule } from '../intake/proactive-rules';

export interface GroupConfig {
  groupId: string;
  name: string;
  tier: 'tier-1' | 'tier-2' | 'vip';
  escalatesTo?: string;
  supervisors: string[];
  vipTiers: string[];
}

/**
 * The configuration the tickets service keeps as events: the SLA policy book, the proactive rules and
 * the groups. Each is the last event of its stream, read from the store; what was read is kept while
 * the stream's revision is the same, so a command always decides on the latest version (any replica
 * may have recorded it a moment ago) and reads the event itself only when it changed.
 */
@Injectable()
export class TicketsSettings {
  private cache = new Map<string, { revision: bigint | undefined; value: unknown }>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  private async last(streamId: string): Promise<unknown> {
    const revision = await this.store.streamRevision(streamId);
    const hit = this.cache.get(streamId);
    if (hit && hit.revision === revision) return hit.value;
    const [event] =
      revision === undefined
        ? []
        : await this.store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    const value = event?.data;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(streamId, { revision, value });
    return value;
  }

  private parsedBook: { from: unknown; book: PolicyBook } | undefined;

  async book(): Promise<PolicyBook> {
    const data = (await this.last(SLA_BOOK_STREAM)) as { book?: unknown } | undefined;
    // Parsed once per version (the same event's data comes back while the revision holds).
    const parsed = this.parsedBook;
    if (parsed && parsed.from === data) return parsed.book;
    const book = data?.book ? policyBookSchema.parse(data.book) : EMPTY_BOOK;
    this.parsedBook = { from: data, book };
    return book;
  }

  async proactiveRules(): Promise<ProactiveRule[]> {
    const data = (await this.last(PROACTIVE_RULES_STREAM)) as { rules?: unknown } | undefined;
    return data?.rules ? proactiveRulesSchema.parse(data.rules) : [];
  }

  async macros(): Promise<Macro[]> {
    const data = (await this.last(MACROS_STREAM)) as { macros?: unknown } | undefined;
    return data?.macros ? macrosSchema.parse(data.macros) : [];
  }

  async group(groupId: string): Promise<GroupConfig | undefined> {
    const data = (await this.last(groupStream(groupId))) as (GroupConfig & { by: string }) | undefined;
    if (!data) return undefined;
    const { by: _by, ...group } = data;
    return group;
  }

  /** Appends a new version of a setting (the last one holds). */
  async record(streamId: string, type: string, data: unknown, correlationId: string): Promise<void> {
    const problem = journeyCatalogue.check(type, data);
    if (problem) throw new Error(problem);
    await this.store.append(
      streamId,
      [
        {
          id: crypto.randomUUID(),
          type,
          data,
          metadata: { source: 'tickets', time: new Date().toISOString(), correlationId, schemaVersion: 1 },
        },
      ],
      'any',
    );
    this.cache.delete(streamId);
  }
}
