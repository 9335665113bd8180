import { EVENT_MAX_BYTES } from '@journey/contracts';
import { consumerSupportTopics, JOURNEY_EVENT_TOPICS } from '@journey/messaging';
import type { TopicSpec } from '@journey/messaging';
import { SERVICE_NAMES } from '@journey/platform';
import { declaredConsumerGroups, groupName } from './consumer-groups';
import type { Manifest } from './rendered-manifests';
import { configMap, kustomizeBuild, nameOf, ofKind, parseManifests } from './rendered-manifests';

interface KafkaTopicSpec {
  partitions: number;
  replicas: number;
  config: Record<string, string>;
}
interface Acl {
  type?: 'allow' | 'deny';
  resource: { type: string; name: string; patternType?: 'literal' | 'prefix' };
  operations: string[];
}
interface Trigger {
  type: string;
  metadata: Record<string, string>;
}

// The topics, principals and autoscaling triggers against what the code declares: the topics the relay
// and the consumers use (libs/messaging), and the consumer groups the services run (apps/*/src).
describe('Kafka in the manifests', () => {
  let prod: Manifest[] = [];
  beforeAll(() => {
    prod = parseManifests(kustomizeBuild('prod'));
  }, 60_000);
  const groups = declaredConsumerGroups();
  const topics = () => ofKind<KafkaTopicSpec>(prod, 'KafkaTopic');
  const topic = (name: string) =>
    topics().find((t) => (t.spec as { topicName?: string }).topicName ?? nameOf(t) === name);
  const acls = (service: string): Acl[] => {
    const user = ofKind<{ authorization: { acls: Acl[] } }>(prod, 'KafkaUser').find(
      (u) => nameOf(u) === `journey-${service}`,
    );
    if (!user) throw new Error(`no KafkaUser journey-${service}`);
    return user.spec.authorization.acls;
  };
  const allowed = (service: string, operation: string, type: string, name: string) =>
    acls(service).some(
      (a) =>
        (a.type ?? 'allow') === 'allow' &&
        a.resource.type === type &&
        a.operations.includes(operation) &&
        (a.resource.patternType === 'prefix'
          ? name.startsWith(a.resource.name)
          : a.resource.name === name || a.resource.name === '*'),
    );

  it('finds the consumer groups of every service in the code', () => {
    for (const service of SERVICE_NAMES)
      expect(groups.filter((g) => g.service === service).length).toBeGreaterThan(0);
    expect(groups.map(groupName)).toContain('journey-contacts-unified-view');
    expect(new Set(groups.map(groupName)).size).toBe(groups.length);
  });

  const expectTopic = (spec: TopicSpec) => {
    const found = topic(spec.topic);
    expect({
      topic: spec.topic,
      partitions: found?.spec.partitions,
      retention: found?.spec.config['retention.ms'],
    }).toEqual({
      topic: spec.topic,
      partitions: spec.partitions,
      retention: String(spec.retentionMs),
    });
  };

  it('declares each event topic as the relay makes it', () => {
    for (const spec of JOURNEY_EVENT_TOPICS) expectTopic(spec);
  });

  it("declares each consumer group's dead-letter and retry topics as its consumer makes them, and no others", () => {
    for (const g of groups) for (const spec of consumerSupportTopics(groupName(g))) expectTopic(spec);
    const expected = [...JOURNEY_EVENT_TOPICS, ...groups.flatMap((g) => consumerSupportTopics(groupName(g)))];
    expect(topics().map(nameOf).sort()).toEqual(expected.map((t) => t.topic).sort());
  });

  it('lets every topic carry the largest event the contracts allow, with its headers', () => {
    for (const t of topics()) {
      const max = Number(t.spec.config['max.message.bytes']);
      expect({ topic: nameOf(t), max }).toEqual({ topic: nameOf(t), max: 1024 * 1024 });
      expect(max - EVENT_MAX_BYTES).toBeGreaterThanOrEqual(64 * 1024);
    }
  });

  it('replicates every topic in prod so that acks=all survives a broker (replicas 3, min.insync.replicas 2)', () => {
    for (const t of topics())
      expect([t.spec.replicas, t.spec.config['min.insync.replicas']]).toEqual([3, '2']);
  });

  it.each(SERVICE_NAMES)('lets %s read what its consumers subscribe to, in its own groups', (service) => {
    for (const g of groups.filter((x) => x.service === service)) {
      for (const t of [...g.topics, `journey.retry.${groupName(g)}`])
        expect({ group: groupName(g), t, read: allowed(service, 'Read', 'topic', t) }).toEqual({
          group: groupName(g),
          t,
          read: true,
        });
      expect(allowed(service, 'Read', 'group', groupName(g))).toBe(true);
      expect(allowed(service, 'Write', 'topic', `journey.dlq.${groupName(g)}`)).toBe(true);
    }
  });

  it.each(SERVICE_NAMES)(
    'lets %s write only event topics and its own groups’ dead-letter and retry topics',
    (service) => {
      const own = (name: string) =>
        name.startsWith(`journey.dlq.journey-${service}-`) ||
        name.startsWith(`journey.retry.journey-${service}-`);
      for (const t of topics()) {
        const event = /^journey\.[a-z]+\.v1$/.test(nameOf(t));
        expect({ t: nameOf(t), write: allowed(service, 'Write', 'topic', nameOf(t)) }).toEqual({
          t: nameOf(t),
          write: event || own(nameOf(t)),
        });
      }
      // Its own events above all (the others: see the relay note in k8s/base/kafka/users.yaml).
      if (service !== 'analytics')
        expect(allowed(service, 'Write', 'topic', `journey.${service}.v1`)).toBe(true);
      const reads = acls(service).filter((a) => a.operations.includes('Read') && a.resource.type === 'topic');
      for (const a of reads) expect(a.resource.name).not.toMatch(/^journey\.dlq\./);
      const broad = acls(service).filter((a) =>
        a.operations.some((o) =>
          ['All', 'Create', 'Delete', 'Alter', 'AlterConfigs', 'ClusterAction'].includes(o),
        ),
      );
      expect(broad).toEqual([]);
      for (const other of SERVICE_NAMES.filter((s) => s !== service))
        expect(allowed(service, 'Read', 'group', `journey-${other}-x`)).toBe(false);
    },
  );

  it.each(SERVICE_NAMES)(
    "scales %s on each of its consumer groups' lag, at the brokers the services use",
    (service) => {
      const scaled = ofKind<{ triggers: Trigger[] }>(prod, 'ScaledObject').find((s) => nameOf(s) === service);
      const kafka = (scaled?.spec.triggers ?? []).filter((t) => t.type === 'kafka');
      expect(kafka.map((t) => t.metadata['consumerGroup']).sort()).toEqual(
        groups
          .filter((g) => g.service === service)
          .map(groupName)
          .sort(),
      );
      const brokers = configMap(prod, 'journey-common')['KAFKA_BROKERS'];
      for (const t of kafka) expect(t.metadata['bootstrapServers']).toBe(brokers);
    },
  );
});
