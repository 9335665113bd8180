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
  authenticationRef?: { name: string };
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
    'lets %s write only its own event topic and its own groups’ dead-letter and retry topics',
    (service) => {
      const own = (name: string) =>
        name === `journey.${service}.v1` ||
        name.startsWith(`journey.dlq.journey-${service}-`) ||
        name.startsWith(`journey.retry.journey-${service}-`);
      for (const t of topics())
        expect({ t: nameOf(t), write: allowed(service, 'Write', 'topic', nameOf(t)) }).toEqual({
          t: nameOf(t),
          write: own(nameOf(t)),
        });
      // Its relay publishes its own context's events (analytics writes none).
      expect(allowed(service, 'Write', 'topic', `journey.${service}.v1`)).toBe(service !== 'analytics');
      // It reads the event topics its consumers subscribe to, and no other.
      const subscribed = new Set(groups.filter((g) => g.service === service).flatMap((g) => g.topics));
      for (const t of JOURNEY_EVENT_TOPICS)
        expect({ t: t.topic, read: allowed(service, 'Read', 'topic', t.topic) }).toEqual({
          t: t.topic,
          read: subscribed.has(t.topic),
        });
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
      for (const t of kafka) {
        expect(t.metadata['bootstrapServers']).toBe(brokers);
        // Over TLS and SCRAM, as the KafkaUser journey-keda: the listener the services use admits no one else.
        expect(t.authenticationRef?.name).toBe('journey-kafka');
      }
    },
  );

  it('lets KEDA describe the groups and topics, over TLS as its own principal, and do nothing else', () => {
    const auth = ofKind<{ secretTargetRef: { parameter: string; name: string; key: string }[] }>(
      prod,
      'TriggerAuthentication',
    ).find((t) => nameOf(t) === 'journey-kafka');
    const refs = Object.fromEntries(
      (auth?.spec.secretTargetRef ?? []).map((r) => [r.parameter, `${r.name}/${r.key}`]),
    );
    expect(refs).toEqual({
      sasl: 'journey-keda-kafka/sasl',
      username: 'journey-keda-kafka/username',
      tls: 'journey-keda-kafka/tls',
      password: 'journey-keda/password',
      ca: 'journey-cluster-ca-cert/ca.crt',
    });
    const settings = prod.find((m) => m.kind === 'Secret' && nameOf(m) === 'journey-keda-kafka') as
      (Manifest & { data?: Record<string, string> }) | undefined;
    const decoded = Object.fromEntries(
      Object.entries(settings?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(decoded).toEqual({ sasl: 'scram_sha512', username: 'journey-keda', tls: 'enable' });
    const keda = acls('keda');
    expect(keda.flatMap((a) => a.operations)).toEqual(['Describe', 'Describe']);
    expect(allowed('keda', 'Describe', 'group', 'journey-tickets-intake')).toBe(true);
    expect(allowed('keda', 'Describe', 'topic', 'journey.tickets.v1')).toBe(true);
  });

  it.each(SERVICE_NAMES)('connects %s to the TLS and SCRAM listener as its own KafkaUser', (service) => {
    const common = configMap(prod, 'journey-common');
    expect(common['KAFKA_BROKERS']).toMatch(/:9093$/);
    expect(common['KAFKA_SASL_MECHANISM']).toBe('scram-sha-512');
    expect(common['KAFKA_TLS']).toBe('true');
    const deployment = ofKind<{
      template: {
        spec: {
          containers: {
            env: {
              name: string;
              value?: string;
              valueFrom?: { secretKeyRef?: { name: string; key: string } };
            }[];
            volumeMounts: { name: string; mountPath: string }[];
          }[];
          volumes: { name: string; secret?: { secretName: string } }[];
        };
      };
    }>(prod, 'Deployment').find((d) => nameOf(d) === service);
    const pod = deployment?.spec.template.spec;
    const env = Object.fromEntries((pod?.containers[0]?.env ?? []).map((e) => [e.name, e]));
    expect(configMap(prod, service)['KAFKA_SASL_USERNAME']).toBe(`journey-${service}`);
    expect(env['KAFKA_SASL_PASSWORD']?.valueFrom?.secretKeyRef).toEqual({
      name: `journey-${service}`,
      key: 'password',
    });
    const ca = pod?.containers[0]?.volumeMounts.find((m) => m.name === 'kafka-ca');
    expect(`${ca?.mountPath}/ca.crt`).toBe(common['KAFKA_TLS_CA_FILE']);
    expect(pod?.volumes.find((v) => v.name === 'kafka-ca')?.secret?.secretName).toBe(
      'journey-cluster-ca-cert',
    );
  });
});
