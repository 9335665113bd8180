import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import type { AclEntry } from 'kafkajs';
import { consumerSupportTopics, JOURNEY_EVENT_TOPICS, KafkaJsMessageBus } from '@journey/messaging';
import type { Manifest } from './rendered-manifests';
import { kustomizeBuild, nameOf, ofKind, parseManifests } from './rendered-manifests';

/** A KafkaUser's ACL as Strimzi's `simple` authorization states it. */
export interface StrimziAcl {
  type?: 'allow' | 'deny';
  resource: {
    type: 'topic' | 'group' | 'cluster' | 'transactionalId';
    name?: string;
    patternType?: 'literal' | 'prefix';
  };
  operations: string[];
  host?: string;
}

const OPERATIONS: Record<string, AclOperationTypes> = {
  All: AclOperationTypes.ALL,
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Delete: AclOperationTypes.DELETE,
  Alter: AclOperationTypes.ALTER,
  Describe: AclOperationTypes.DESCRIBE,
  ClusterAction: AclOperationTypes.CLUSTER_ACTION,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperationTypes.ALTER_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
};
const RESOURCES: Record<StrimziAcl['resource']['type'], AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
  transactionalId: AclResourceTypes.TRANSACTIONAL_ID,
};

/** The KafkaUsers of the prod overlay (the base's, as a cluster's User Operator would receive them). */
export function kafkaUsers(manifests: Manifest[] = parseManifests(kustomizeBuild('prod'))) {
  return ofKind<{ authorization: { acls: StrimziAcl[] } }>(manifests, 'KafkaUser').map((u) => ({
    name: nameOf(u),
    acls: u.spec.authorization.acls,
  }));
}

/** Strimzi's ACLs of one user as Kafka's ACL bindings (what the User Operator creates). */
export function aclBindings(user: string, acls: readonly StrimziAcl[]): AclEntry[] {
  return acls.flatMap((acl) =>
    acl.operations.map((operation) => {
      const type = OPERATIONS[operation];
      if (type === undefined) throw new Error(`KafkaUser ${user}: unknown operation ${operation}`);
      return {
        resourceType: RESOURCES[acl.resource.type],
        resourceName: acl.resource.type === 'cluster' ? 'kafka-cluster' : (acl.resource.name ?? ''),
        resourcePatternType:
          acl.resource.patternType === 'prefix'
            ? ResourcePatternTypes.PREFIXED
            : ResourcePatternTypes.LITERAL,
        principal: `User:${user}`,
        host: acl.host ?? '*',
        operation: type,
        permissionType: acl.type === 'deny' ? AclPermissionTypes.DENY : AclPermissionTypes.ALLOW,
      };
    }),
  );
}

/**
 * Does on a real Kafka what Strimzi's operators do in a cluster: the KafkaUsers' ACLs (idempotent: a binding
 * that exists is kept), and the topics the KafkaTopics declare for the given consumer groups, made through
 * the listener of the super user, since the services may not create topics.
 */
export async function applyAsOperators(brokers: string[], groupIds: readonly string[]): Promise<void> {
  const admin = new Kafka({
    clientId: 'journey-test-operators',
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl: kafkaUsers().flatMap((u) => aclBindings(u.name, u.acls)) });
  } finally {
    await admin.disconnect();
  }
  const bus = new KafkaJsMessageBus({ clientId: 'journey-test-topic-operator', brokers });
  try {
    await bus.ensureTopics([...JOURNEY_EVENT_TOPICS, ...groupIds.flatMap((g) => consumerSupportTopics(g))]);
  } finally {
    await bus.close();
  }
}
