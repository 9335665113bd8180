import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SERVICE_NAMES } from '@journey/platform';
import type { ServiceName } from '@journey/platform';
import { ROOT } from './rendered-manifests';

/** A Kafka consumer group a service runs, and the event topics it subscribes to. */
export interface ConsumerGroup {
  service: ServiceName;
  /** The suffix after KAFKA_CONSUMER_GROUP (journey-<service>). */
  suffix: string;
  topics: string[];
}

export const groupName = (g: ConsumerGroup): string => `journey-${g.service}-${g.suffix}`;

/** The non-test TypeScript sources under a folder (testing helpers left out). */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|int-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The non-test sources of the shared libraries and of these services, as one text (for the code checks). */
export function sourceText(services: readonly ServiceName[]): string {
  const libraries = readdirSync(join(ROOT, 'libs')).map((lib) => join(ROOT, 'libs', lib, 'src'));
  return [...libraries, ...services.map((service) => join(ROOT, 'apps', service, 'src'))]
    .flatMap(sourceFiles)
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
}

const quoted = (list: string): string[] => [...list.matchAll(/'([^']+)'/g)].map((m) => m[1] as string);

/**
 * The consumers a service declares in code: an EventConsumer with
 * `groupId: \`${config.kafka.consumerGroup}-<suffix>\`, topics: [...]`.
 */
function consumers(service: ServiceName): ConsumerGroup[] {
  return sourceFiles(join(ROOT, 'apps', service, 'src')).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const declared = text.split('${config.kafka.consumerGroup}-').length - 1;
    const found = [
      ...text.matchAll(
        /groupId:\s*`\$\{config\.kafka\.consumerGroup\}-([a-z0-9-]+)`,\s*topics:\s*\[([^\]]*)\]/g,
      ),
    ].map((m) => ({ service, suffix: m[1] as string, topics: quoted(m[2] as string) }));
    // A consumer written another way must not pass unnoticed: teach this reader its shape.
    if (found.length !== declared)
      throw new Error(`${file}: a consumer group this test cannot read (groupId followed by topics)`);
    return found;
  });
}

/**
 * The read models a service serves live: each ReadModel of its src/read-models.ts runs in the group
 * `<KAFKA_CONSUMER_GROUP>-<projection name>` (ServedReadModel) over the model's topics.
 */
function readModels(service: ServiceName): ConsumerGroup[] {
  const file = join(ROOT, 'apps', service, 'src', 'read-models.ts');
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/import\s*\{([^}]+)\}\s*from\s*'(\.[^']+)'/g))
    for (const name of (m[1] as string).split(',').map((n) => n.trim()))
      if (name) imports.set(name, resolve(dirname(file), `${m[2] as string}.ts`));
  return [...text.matchAll(/projection:\s*(\w+),[\s\S]*?topics:\s*\[([^\]]*)\]/g)].map((m) => {
    const projection = m[1] as string;
    const source = imports.get(projection);
    if (!source) throw new Error(`${file}: where ${projection} comes from`);
    const definition = new RegExp(
      `export const ${projection}\\b[^=]*=\\s*\\{[\\s\\S]*?\\bname:\\s*'([^']+)'`,
    ).exec(readFileSync(source, 'utf8'));
    if (!definition) throw new Error(`${source}: the name of ${projection}`);
    return { service, suffix: definition[1] as string, topics: quoted(m[2] as string) };
  });
}

/** Every consumer group the five services run, read from their sources. */
export function declaredConsumerGroups(): ConsumerGroup[] {
  return SERVICE_NAMES.flatMap((service) => [...consumers(service), ...readModels(service)]);
}
