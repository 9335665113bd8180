import { Module } from '@nestjs/common';
import type { INestApplication, Type } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { json, text, urlencoded } from 'express';
import { Transport } from '@nestjs/microservices';
import { Partitioners } from 'kafkajs';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { ConfigurationError, loadServiceConfig } from '../config/service-config';
import type { ServiceConfig, ServiceName } from '../config/service-config';
import { createLogger, JourneyLogger } from '../logging/logger';
import { requestLogging } from '../logging/request-logging.middleware';
import { securityHeaders } from '../http/security-headers.middleware';
import { admissionControl } from '../http/admission.middleware';
import { kafkaClientConfig } from '../infrastructure/kafka-client';
import { PlatformModule } from '../platform.module';
import { declarePlatformAnswers } from '../openapi/openapi-document';

export interface ServiceDefinition {
  name: ServiceName;
  /** The service's own root module (its features). */
  module: Type<unknown>;
  /** One paragraph for the OpenAPI document. */
  description: string;
  /**
   * Routes (path prefixes) whose bodies may be larger than HTTP_BODY_LIMIT, such as inbound email with
   * its attachments; multipart bodies are not parsed here at all (their handlers stream them).
   */
  largeBodies?: readonly { path: string; limit: string }[];
}

/** The JSON, form and text parsers (XML from WeChat, raw MIME email), keeping the exact bytes as rawBody. */
function bodyParsers(limit: string, inflate = true) {
  const verify = (req: IncomingMessage, _res: ServerResponse, buffer: Buffer) => {
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buffer;
  };
  return [
    json({ limit, verify, inflate }),
    urlencoded({ limit, verify, inflate, extended: false }),
    text({
      limit,
      verify,
      inflate,
      type: ['text/xml', 'application/xml', 'message/rfc822', 'text/plain', 'application/x-ndjson'],
    }),
  ];
}

/**
 * Builds a service as a hybrid NestJS app: HTTP (with OpenAPI at /openapi.json and /docs) plus a
 * Kafka microservice in the service's consumer group. Nothing listens until {@link startServiceApp}.
 */
export async function createServiceApp(
  definition: ServiceDefinition,
  config: ServiceConfig,
  logger: Logger = createLogger(definition.name, config.logLevel),
): Promise<NestExpressApplication> {
  @Module({ imports: [PlatformModule.forService(config, logger), definition.module] })
  class ServiceRootModule {}

  const app = await NestFactory.create<NestExpressApplication>(ServiceRootModule, {
    logger: new JourneyLogger(logger),
    bodyParser: false,
    // Webhook signatures are computed over the exact bytes received (req.rawBody).
    rawBody: true,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // Behind an ingress, the client's address (for rate limits) is in X-Forwarded-For.
  app.set('trust proxy', config.http.trustProxy);
  app.use(requestLogging(logger));
  app.use(securityHeaders());
  // Pages on the listed origins may call the APIs (preflights answered before admission and auth).
  if (config.http.corsOrigins.length > 0)
    app.enableCors({
      origin: config.http.corsOrigins.includes('*') ? '*' : config.http.corsOrigins,
      credentials: false,
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Visitor-Token', 'X-Correlation-Id'],
      exposedHeaders: ['Retry-After', 'X-Correlation-Id'],
      maxAge: 600,
    });
  // Before any body is read: past the limit, a request is turned away at once (503, Retry-After).
  const admission = admissionControl(config.http.admission);
  app.use(admission);
  // A route with a larger limit reads its body first; the parsers after it see the body read and pass.
  // No compressed bodies there: a small gzip would otherwise unpack to the whole large limit.
  for (const { path, limit } of definition.largeBodies ?? []) app.use(path, ...bodyParsers(limit, false));
  // XML (WeChat) and raw MIME (email) arrive as text; their handlers parse and validate them.
  app.use(...bodyParsers(config.http.bodyLimit));
  // Exit 0 once the shutdown hooks have run (instead of re-raising the signal), so that logs are flushed.
  app.enableShutdownHooks(undefined, { useProcessExit: true });

  app.connectMicroservice<MicroserviceOptions>(
    {
      transport: Transport.KAFKA,
      options: {
        client: kafkaClientConfig(config.kafka, config.kafka.clientId, logger),
        consumer: { groupId: config.kafka.consumerGroup, allowAutoTopicCreation: false },
        producer: { allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner },
        postfixId: '',
      },
    },
    { inheritAppConfig: true },
  );

  const document = declarePlatformAnswers(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(`journey ${definition.name} service`)
        .setDescription(definition.description)
        .setVersion(process.env['npm_package_version'] ?? '0.1.0')
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
        .build(),
    ),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
  return app;
}

/** Starts the Kafka consumer and the HTTP listener. */
export async function startServiceApp(app: INestApplication, config: ServiceConfig): Promise<void> {
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
}

/**
 * The whole start-up of a service process: validate configuration (exit 1 naming each bad variable),
 * build the app, start it, log where it listens.
 */
export async function runService(definition: ServiceDefinition): Promise<INestApplication> {
  let config: ServiceConfig;
  try {
    config = loadServiceConfig(definition.name);
  } catch (err) {
    if (err instanceof ConfigurationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(definition.name, config.logLevel);
  try {
    const app = await createServiceApp(definition, config, logger);
    await startServiceApp(app, config);
    const base = `http://${config.http.host}:${config.http.port}`;
    logger.info(
      { url: base, docs: `${base}/docs`, kafka: config.kafka.brokers },
      `${definition.name} service started`,
    );
    return app;
  } catch (err) {
    logger.fatal({ err }, `${definition.name} service failed to start`);
    process.exit(1);
  }
}
