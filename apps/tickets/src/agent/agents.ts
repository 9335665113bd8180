import { Inject, Injectable } from '@nestjs/common';
import { journeyCatalogue } from '@journey/contracts';
import { DuplicateEventError, handleCommand, loadState } from '@journey/eventstore';
import type { AggregateCaches, CommandOutcome, EventStore } from '@journey/eventstore';
import { AGGREGATE_CACHES, EVENT_STORE } from '@journey/messaging';
import { agentStream, derivedId } from '../ticket/ticket-ids';
import { agentDecider } from './domain/agent.decider';
import type { AgentCommand, AgentEvent, AgentState } from './domain/agent.decider';

/** The agents' streams: profile, presence and, decided there, the tickets each holds. */
@Injectable()
export class Agents {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(AGGREGATE_CACHES) private readonly caches: AggregateCaches,
  ) {}

  async execute(
    agentId: string,
    command: AgentCommand,
    options: { correlationId: string; causationId?: string; commandKey?: string },
  ): Promise<CommandOutcome<AgentEvent, AgentState | undefined>> {
    try {
      return await handleCommand(this.store, agentStream(agentId), agentDecider, command, {
        metadata: {
          source: 'tickets',
          correlationId: options.correlationId,
          ...(options.causationId ? { causationId: options.causationId } : {}),
          schemaVersion: 1,
        },
        // Many replicas claim at once: retry conflicts generously, each retry decides on fresh state.
        maxRetries: 20,
        cache: this.caches.for<AgentState>('agent'),
        validate: (e) => journeyCatalogue.check(e.type, e.data),
        ...(options.commandKey
          ? { eventId: (_: unknown, i: number) => derivedId(`${options.commandKey as string}#${i}`) }
          : {}),
      });
    } catch (err) {
      if (err instanceof DuplicateEventError)
        return { ok: true, events: [], nextExpectedRevision: undefined, state: undefined };
      throw err;
    }
  }

  /** The agent's state as the store has it now (its tail read onto the cached state). */
  async load(agentId: string): Promise<AgentState> {
    return (
      await loadState(this.store, agentStream(agentId), agentDecider, this.caches.for<AgentState>('agent'))
    ).state;
  }
}
