import type { NextFunction, Request, Response } from 'express';

/**
 * Headers every response carries: `nosniff` so that a browser never runs an answer (a JSON error
 * echoing input, say) as another type than the one declared. X-Powered-By is turned off in the app.
 */
export function securityHeaders() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };
}
