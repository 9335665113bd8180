import { Catch, Inject } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { SERVICE_LOGGER } from '../infrastructure/infrastructure-connections';
import { routeOf } from '../logging/request-logging.middleware';
import { errorAnswer } from './error-answer';
import { correlationIdOf } from './request-input';

/** The one place where an HTTP request's error becomes its answer (see {@link errorAnswer}). */
@Catch()
export class ErrorAnswerFilter implements ExceptionFilter {
  constructor(@Inject(SERVICE_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // Kafka handlers have their own retries and dead-letter topics: their errors go on up.
    if (host.getType() !== 'http') throw exception;
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const correlationId = correlationIdOf(req);
    const answer = errorAnswer(exception, correlationId);
    if (answer.unexpected || answer.status === 503) {
      // The logger masks personal data in the error; the route is the pattern, never the raw path.
      const fields = { err: exception, correlationId, method: req.method, path: routeOf(req) };
      if (answer.unexpected) this.logger.error(fields, 'request failed');
      else this.logger.warn(fields, 'request answered 503: infrastructure unreachable');
    }
    if (res.headersSent) return;
    res.set(answer.headers).status(answer.status).json(answer.body);
  }
}
