import type { z } from 'zod';
import { describeIssues } from '../describe-issues';
import { eventTypeVersion } from '../event-envelope';
import { acceptErased, checkPersonalDataPaths } from '../personal-data/personal-data';
import type { PersonalDataPath } from '../personal-data/personal-data';

/** One versioned event type: its name, what it means, and the schema of its data. */
export interface EventDefinition<S extends z.ZodType = z.ZodType, T extends string = string> {
  type: T;
  description: string;
  /** True when the event concerns a customer: its envelope then carries contactId. */
  contactScoped: boolean;
  schema: S;
  /**
   * Where the data holds personal data. These values are stored encrypted with the key of the
   * customer (or of the stream), so erasing that key makes them unreadable everywhere.
   */
  personalData?: readonly PersonalDataPath[];
}

/** Turns the data of one version into the next; a chain of them reads any old event as the latest. */
export interface Upcaster {
  from: string;
  to: string;
  upcast(data: unknown): unknown;
}

export function defineEvent<S extends z.ZodType, T extends string>(
  definition: EventDefinition<S, T>,
): EventDefinition<S, T> {
  eventTypeVersion(definition.type); // fails early on a type without a version
  checkPersonalDataPaths(definition.personalData ?? []);
  if (definition.personalData?.length) acceptErased(definition.schema, definition.personalData);
  return definition;
}

/**
 * The event (type and data) each definition describes, as a discriminated union: deciders and
 * consumers take their event types from here instead of writing the shape again.
 */
export type EventOf<D> = D extends EventDefinition<infer S, infer T> ? { type: T; data: z.output<S> } : never;

export type Validation = { ok: true; type: string; data: unknown } | { ok: false; reason: string };

/**
 * `write`: what a producer may append (strict). `read`: what a reader may meet in the store or on
 * Kafka — the same, except that erased personal data reads as ERASED.
 */
export type ValidationMode = 'write' | 'read';

/** All event types of the platform: validation at every edge, upcasting on read, AsyncAPI from it. */
export class EventCatalogue {
  private readonly definitions = new Map<string, EventDefinition>();
  private readonly upcasters = new Map<string, Upcaster>();
  private readonly readSchemas = new Map<string, z.ZodType>();

  constructor(definitions: EventDefinition[], upcasters: Upcaster[] = []) {
    for (const d of definitions) {
      if (this.definitions.has(d.type)) throw new Error(`event type ${d.type} is defined twice`);
      this.definitions.set(d.type, d);
    }
    for (const u of upcasters) {
      if (!this.definitions.has(u.to))
        throw new Error(`upcaster ${u.from} → ${u.to}: ${u.to} is not defined`);
      if (eventTypeVersion(u.to) !== eventTypeVersion(u.from) + 1)
        throw new Error(`upcaster ${u.from} → ${u.to} must go one version up`);
      this.upcasters.set(u.from, u);
    }
  }

  list(): EventDefinition[] {
    return [...this.definitions.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  get(type: string): EventDefinition | undefined {
    return this.definitions.get(type);
  }

  /** Where an event type holds personal data (none for an unknown type). */
  personalData(type: string): readonly PersonalDataPath[] {
    return this.definitions.get(type)?.personalData ?? [];
  }

  private schemaFor(definition: EventDefinition, mode: ValidationMode): z.ZodType {
    if (mode === 'write' || !definition.personalData?.length) return definition.schema;
    let schema = this.readSchemas.get(definition.type);
    if (!schema) {
      schema = acceptErased(definition.schema, definition.personalData);
      this.readSchemas.set(definition.type, schema);
    }
    return schema;
  }

  /** Checks data against its type's schema; an old version with no schema is upcast, then checked. */
  validate(type: string, data: unknown, mode: ValidationMode = 'write'): Validation {
    const definition = this.definitions.get(type);
    if (!definition) {
      return this.upcasters.has(type)
        ? this.upcast(type, data, mode)
        : { ok: false, reason: `unknown event type ${type}` };
    }
    const parsed = this.schemaFor(definition, mode).safeParse(data);
    if (!parsed.success) {
      return {
        ok: false,
        reason: `${type}: ${describeIssues(parsed.error, '(data)')}`,
      };
    }
    return { ok: true, type, data: parsed.data };
  }

  /** Why an event's data is not valid, or undefined when it is (validate, for the places that only need yes or no). */
  check(type: string, data: unknown): string | undefined {
    const v = this.validate(type, data);
    return v.ok ? undefined : v.reason;
  }

  /** Reads an event of any known version as the latest version, then validates it. */
  upcast(type: string, data: unknown, mode: ValidationMode = 'write'): Validation {
    let current = { type, data };
    for (let hops = 0; hops < 100; hops++) {
      const next = this.upcasters.get(current.type);
      if (!next) return this.validate(current.type, current.data, mode);
      current = { type: next.to, data: next.upcast(current.data) };
    }
    return { ok: false, reason: `upcasting ${type} does not end` };
  }
}
