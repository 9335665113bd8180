import { z } from 'zod';

/**
 * The most an event may take on Kafka, serialized with its envelope and its personal fields sealed.
 * The topics' `max.message.bytes` is 1 MiB; the rest is left for headers and batch framing.
 */
export const EVENT_MAX_BYTES = 900 * 1024;

/** Bounds that JSON Schema cannot say, read by {@link serializedSizeBound}. */
export const sizeLimits = z.registry<{ maxBytes: number }>();

const utf8 = new TextEncoder();

/** The size of a value as JSON, in UTF-8 bytes. */
export const jsonBytes = (value: unknown): number => utf8.encode(JSON.stringify(value) ?? '').length;

/** A record of at most `maxKeys` entries (`maxProperties` in JSON Schema), so an event holding it stays bounded. */
export function boundedRecord<K extends z.ZodType<string>, V extends z.ZodType>(
  key: K,
  value: V,
  maxKeys: number,
) {
  return z
    .record(key, value)
    .refine((r) => Object.keys(r).length <= maxKeys, `at most ${maxKeys} entries`)
    .meta({ maxProperties: maxKeys });
}

/** Opaque JSON (a rule set, say) whose serialized size is capped in bytes. */
export function boundedJson<S extends z.ZodType>(schema: S, maxBytes: number): S {
  const bounded = schema.refine((v) => jsonBytes(v) <= maxBytes, {
    message: `must be at most ${maxBytes} bytes as JSON`,
  }) as S;
  sizeLimits.add(bounded, { maxBytes });
  return bounded;
}
