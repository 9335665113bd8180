export {
  eventually,
  INFRA_ENV,
  isolatedMongoUrl,
  isolatedPostgresDatabase,
  testInfrastructure,
  uniqueName,
} from './test-infrastructure';
export type { IsolatedDatabase, TestInfrastructure } from './test-infrastructure';
export { containerRuntimeAvailable, CONTAINER_IMAGES } from './containers';
export { localInfrastructureAddresses, localKafkaScramPassword, tcpReachable } from './local-infrastructure';
export { tcpProxy } from './tcp-proxy';
export type { TcpProxy } from './tcp-proxy';
export { committedEventCount } from './committed-events';
export { consumerGroupsOf, CONSUMER_GROUP_SUFFIXES, startGroupsAtEnd } from './consumer-groups';
export { freePort } from './free-port';
