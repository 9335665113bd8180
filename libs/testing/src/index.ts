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
export { localInfrastructureAddresses, tcpReachable } from './local-infrastructure';
