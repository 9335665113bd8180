import { z } from 'zod';

/**
 * What a personal field reads as once its key has been erased (crypto-shredding): the stored
 * ciphertext can no longer be opened, and every reader sees this instead.
 */
export const ERASED = '[erased]';

/**
 * A path to personal data in an event's data: property names joined by dots, `[]` after an array's
 * name for each of its elements (`identities[].value`). The value at the end of a path is encrypted
 * whole, whatever its type (`details` encrypts the whole record).
 */
export type PersonalDataPath = string;

type Segment = { key: string; each: boolean };

function segments(path: PersonalDataPath): Segment[] {
  return path.split('.').map((part) => {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    if (!/^[A-Za-z_][\w-]*$/.test(key)) throw new Error(`personal data path ${path}: bad segment ${part}`);
    return { key, each };
  });
}

/** Checks the paths once, where an event type is defined. */
export function checkPersonalDataPaths(paths: readonly PersonalDataPath[]): void {
  for (const path of paths) segments(path);
}

/**
 * Returns a copy of `data` in which every value a path reaches is replaced by `replace(value)`;
 * values that are absent stay absent. The original is not touched.
 */
export function mapPersonalData(
  data: unknown,
  paths: readonly PersonalDataPath[],
  replace: (value: unknown) => unknown,
): unknown {
  let result = data;
  for (const path of paths) result = mapPath(result, segments(path), replace);
  return result;
}

function mapPath(node: unknown, path: Segment[], replace: (value: unknown) => unknown): unknown {
  const [head, ...rest] = path;
  if (!head || node === null || typeof node !== 'object' || Array.isArray(node)) return node;
  const record = node as Record<string, unknown>;
  if (!(head.key in record) || record[head.key] === undefined) return node;
  const value = record[head.key];
  let next: unknown;
  if (head.each) {
    if (!Array.isArray(value)) return node;
    next = value.map((element) => (rest.length === 0 ? replace(element) : mapPath(element, rest, replace)));
  } else {
    next = rest.length === 0 ? replace(value) : mapPath(value, rest, replace);
  }
  return { ...record, [head.key]: next };
}

/** The values the paths reach (for tests and checks: where personal data sits in an event). */
export function personalValues(data: unknown, paths: readonly PersonalDataPath[]): unknown[] {
  const found: unknown[] = [];
  mapPersonalData(data, paths, (value) => {
    found.push(value);
    return value;
  });
  return found;
}

/**
 * The same schema, except that every value a path reaches may also be {@link ERASED}: how an event
 * reads after erasure. Producers are checked against the strict schema; readers against this one.
 */
export function acceptErased(schema: z.ZodType, paths: readonly PersonalDataPath[]): z.ZodType {
  let result = schema;
  for (const path of paths) result = widen(result, segments(path), path);
  return result;
}

function widen(schema: z.ZodType, path: Segment[], whole: string): z.ZodType {
  const [head, ...rest] = path;
  if (!head) return z.union([schema, z.literal(ERASED)]);
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'optional':
      return widen(def['innerType'] as z.ZodType, path, whole).optional();
    case 'default':
      return widen(def['innerType'] as z.ZodType, path, whole).default(
        def['defaultValue'] as never,
      ) as unknown as z.ZodType;
    case 'object': {
      const object = schema as z.ZodObject;
      const field = object.shape[head.key] as z.ZodType | undefined;
      if (!field) throw new Error(`personal data path ${whole}: no field ${head.key} in the schema`);
      const widened = head.each ? widenArray(field, rest, whole) : widen(field, rest, whole);
      return object.extend({ [head.key]: widened });
    }
    default:
      throw new Error(`personal data path ${whole}: cannot reach ${head.key} through a ${def.type}`);
  }
}

function widenArray(schema: z.ZodType, rest: Segment[], whole: string): z.ZodType {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  if (def.type === 'optional') return widenArray(def['innerType'] as z.ZodType, rest, whole).optional();
  if (def.type === 'default')
    return widenArray(def['innerType'] as z.ZodType, rest, whole).default(
      def['defaultValue'] as never,
    ) as unknown as z.ZodType;
  if (def.type !== 'array') throw new Error(`personal data path ${whole}: [] on a ${def.type}`);
  const element = widen(def['element'] as z.ZodType, rest, whole);
  // clone keeps the array's own checks (min, max) with the widened element.
  return (schema as z.ZodArray).clone({ ...(def as unknown as z.ZodArray['_zod']['def']), element } as never);
}
