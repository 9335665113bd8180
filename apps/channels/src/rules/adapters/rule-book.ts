import { Inject, Injectable } from '@nestjs/common';
import type { EventStore } from '@journey/eventstore';
import { EVENT_STORE } from '@journey/messaging';
import { ruleSetSchema } from '../domain/channel-rules';
import type { RuleSet } from '../domain/channel-rules';

const STREAM = 'channel-rules';
const CACHE_MS = 2_000;

/** The channels' rule set: event-sourced (every change is a rules-configured event), read with a short cache. */
@Injectable()
export class RuleBook {
  private cached: { at: number; set: RuleSet; revision: bigint | undefined } | undefined;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async current(): Promise<RuleSet> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.set;
    const [last] = await this.store.readStream(STREAM, { direction: 'backwards', maxCount: 1 });
    const set = last
      ? ruleSetSchema.parse((last.data as { ruleSet: unknown }).ruleSet)
      : { rules: [] as RuleSet['rules'] };
    this.cached = { at: Date.now(), set, revision: last?.revision };
    return set;
  }

  /** Replaces the rule set (already validated) and returns it. */
  async replace(set: RuleSet, configuredBy: string, correlationId: string): Promise<RuleSet> {
    await this.store.append(
      STREAM,
      [
        {
          id: crypto.randomUUID(),
          type: 'channels.rules-configured.v1',
          data: { ruleSet: set, configuredBy },
          metadata: { source: 'channels', time: new Date().toISOString(), correlationId, schemaVersion: 1 },
        },
      ],
      'any',
    );
    this.cached = undefined;
    return set;
  }
}
