import { z } from 'zod';
import type { PersonalDataPath } from '../personal-data/personal-data';
import { sizeLimits } from './size-limits';

/** Thrown for a field whose size nothing bounds (a string or array without a max, say). */
export class UnboundedField extends Error {
  override name = 'UnboundedField';
}

// JSON.stringify writes a control character or an unpaired surrogate as \uXXXX: 6 bytes for one
// UTF-16 unit, the most any unit can take.
const BYTES_PER_UNIT = 6;
const NUMBER_BYTES = 24; // -1.7976931348623157e+308
// Strings of a known format and no explicit max: the longest text the format allows.
const FORMAT_LENGTH: Record<string, number> = { uuid: 36, guid: 36, datetime: 40, date: 10, time: 20 };
// "pd1.<vault id>.<generation>." before the sealed bytes, and the IV and tag (28 bytes) inside them.
const SEAL_PREFIX_BYTES = 4 + 64 + 1 + 10 + 1;
const SEAL_OVERHEAD_BYTES = 28;

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const checkOf = (schema: z.ZodType, name: string): number | undefined => {
  const checks = (defOf(schema)['checks'] ?? []) as {
    _zod: { def: { check: string } & Record<string, unknown> };
  }[];
  for (const c of checks) {
    const d = c._zod.def;
    if (d.check === name) return (d['maximum'] ?? d['length']) as number;
  }
  return undefined;
};

/** The size of a personal value once sealed: base64url of IV, tag and the value's JSON. */
const sealed = (plainBytes: number) =>
  2 + SEAL_PREFIX_BYTES + Math.ceil(((SEAL_OVERHEAD_BYTES + plainBytes) * 4) / 3);

/**
 * The most bytes any data a schema accepts can take as JSON, with the values at `personalData`
 * sealed as the event store seals them. Throws {@link UnboundedField} naming the first field that
 * has no bound, so that a contract cannot grow one unnoticed.
 */
export function serializedSizeBound(
  schema: z.ZodType,
  personalData: readonly PersonalDataPath[] = [],
): number {
  const personal = new Set(personalData);
  const walk = (s: z.ZodType, path: string): number => {
    const plain = bound(s, path);
    return personal.has(path) ? sealed(plain) : plain;
  };
  const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

  function bound(s: z.ZodType, path: string): number {
    const limit = sizeLimits.get(s)?.maxBytes;
    if (limit !== undefined) return limit;
    const def = defOf(s);
    const where = path || '(data)';
    switch (def.type) {
      case 'string': {
        const max = checkOf(s, 'max_length') ?? checkOf(s, 'length_equals');
        if (max !== undefined) return 2 + BYTES_PER_UNIT * max;
        // These formats are ASCII: one byte a character.
        const formatted = FORMAT_LENGTH[String(def['format'])];
        if (formatted === undefined) throw new UnboundedField(`${where}: a string without a max length`);
        return 2 + formatted;
      }
      case 'number':
      case 'int':
        return NUMBER_BYTES;
      case 'boolean':
        return 5;
      case 'null':
        return 4;
      case 'enum':
        return Math.max(
          ...Object.values(def['entries'] as Record<string, string | number>).map(
            (v) => JSON.stringify(v).length,
          ),
        );
      case 'literal':
        return Math.max(...(def['values'] as unknown[]).map((v) => JSON.stringify(v).length));
      case 'optional':
      case 'nonoptional':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
        return bound(def['innerType'] as z.ZodType, path);
      case 'nullable':
        return Math.max(4, bound(def['innerType'] as z.ZodType, path));
      case 'pipe':
        return Math.max(bound(def['in'] as z.ZodType, path), bound(def['out'] as z.ZodType, path));
      case 'union':
        return Math.max(...(def['options'] as z.ZodType[]).map((o) => bound(o, path)));
      case 'object': {
        const shape = def['shape'] as Record<string, z.ZodType>;
        const fields = Object.entries(shape).map(
          ([k, v]) => JSON.stringify(k).length + 1 + walk(v, child(path, k)),
        );
        return 2 + fields.reduce((a, b) => a + b, 0) + Math.max(0, fields.length - 1);
      }
      case 'array': {
        const max = checkOf(s, 'max_length') ?? checkOf(s, 'length_equals');
        if (max === undefined) throw new UnboundedField(`${where}: an array without a max length`);
        return 2 + max * (walk(def['element'] as z.ZodType, `${path}[]`) + 1);
      }
      case 'tuple': {
        const items = (def['items'] as z.ZodType[]).map((i, n) => walk(i, `${path}[${n}]`) + 1);
        if (def['rest']) throw new UnboundedField(`${where}: a tuple with a rest element`);
        return 2 + items.reduce((a, b) => a + b, 0);
      }
      case 'record': {
        const maxKeys = (z.globalRegistry.get(s) as { maxProperties?: number } | undefined)?.maxProperties;
        if (maxKeys === undefined) throw new UnboundedField(`${where}: a record without maxProperties`);
        const key = bound(def['keyType'] as z.ZodType, `${path}{key}`);
        const value = walk(def['valueType'] as z.ZodType, `${path}{}`);
        return 2 + maxKeys * (key + 1 + value + 1);
      }
      default:
        throw new UnboundedField(`${where}: a ${def.type} of unbounded size`);
    }
  }

  return walk(schema, '');
}
