export {
  ConfigurationError,
  DEFAULT_HTTP_PORTS,
  defaultRelayContexts,
  EVENT_CONTEXTS,
  eventStoreKind,
  kafkaSecurityFromEnv,
  loadServiceConfig,
  SECRET_VARIABLES,
  SERVICE_NAMES,
} from './config/service-config';
export type { EventContext, KafkaSecurity, ServiceConfig, ServiceName } from './config/service-config';
export { installationKey, keyedIdsKey, personalDataMasterKey } from './config/personal-data-master-key';
export { KeyedIds } from './config/keyed-ids';
export { createLogger, JourneyLogger } from './logging/logger';
export type { Logger } from './logging/logger';
export { redactPersonalData, scrubText } from './logging/redact-personal-data';
export { CORRELATION_HEADER } from './logging/request-logging.middleware';
export {
  createKafka,
  kafkaClientConfig,
  kafkaConnectionConfig,
  kafkaLogCreator,
} from './infrastructure/kafka-client';
export type { KafkaConnection } from './infrastructure/kafka-client';
export {
  InfrastructureConnections,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
} from './infrastructure/infrastructure-connections';
export { ROLES, hasAnyRole, isRole } from './auth/roles';
export type { Principal, Role } from './auth/roles';
export { Public } from './auth/public.decorator';
export { Roles } from './auth/roles.decorator';
export { CurrentPrincipal } from './auth/current-principal.decorator';
export { AuthGuard } from './auth/auth.guard';
export { ClientRateLimits } from './http/rate-limit.guard';
export type { RateLimitAnswer } from './http/rate-limit.guard';
export { TokenVerifier, TokenRejected } from './auth/token-verifier';
export { ensureLocalSigningKey, issueLocalToken } from './auth/local-signing-key';
export type { LocalTokenRequest } from './auth/local-signing-key';
export { PlatformModule } from './platform.module';
export { createServiceApp, runService, startServiceApp } from './bootstrap/service-app';
export type { ServiceDefinition } from './bootstrap/service-app';
export { correlationIdOf, openApiSchema, parseInput, rawBodyOf } from './http/request-input';
export {
  isTransientError,
  PermanentFailure,
  transientBackoff,
  waitOutTransient,
} from './infrastructure/transient-errors';
export type { WaitOutOptions } from './infrastructure/transient-errors';
export { clearDegraded, degradations, reportDegraded } from './health/degradations';
export { errorAnswer } from './http/error-answer';
export { writeStreamed } from './http/write-streamed';
export { EventStreams } from './http/event-stream';
export type { EventStreamOptions, StreamEvent } from './http/event-stream';
export type { ErrorAnswer } from './http/error-answer';
export {
  escapeRegExp,
  isSafeText,
  UNSAFE_TEXT_MESSAGE,
  unsafeTextPath,
  withoutUnsafeText,
} from './http/safe-text';
export { ApiErrors, ApiUuidParam, ERROR_BODY_SCHEMA } from './openapi/api-errors.decorator';
export type { ErrorStatus } from './openapi/api-errors.decorator';
export { openApiProblems } from './openapi/openapi-document';
export { ApiAnswer } from './openapi/api-answer.decorator';
