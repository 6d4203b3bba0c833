import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError } from './http-error.ts';

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** "body.events.3.name: is required" — always names the field, which Fastify's default message does not. */
export function formatValidationError(context: string, issues: readonly AjvIssue[]): string {
  const i = issues[0];
  if (!i) return `${context}: invalid`;
  const path = [context, ...i.instancePath.split('/').filter(Boolean)].join('.');
  if (i.keyword === 'required') return `${path}.${String(i.params.missingProperty)}: is required`;
  if (i.keyword === 'additionalProperties') return `${path}.${String(i.params.additionalProperty)}: unknown field`;
  return `${path}: ${i.message ?? 'is invalid'}`;
}

/**
 * One JSON shape for every error. Validation → 400 naming the field; HttpError → its status and message; Fastify's
 * own 4xx (bad JSON, body too large, wrong content type) keep their status; everything else is a 500 with a generic
 * message, so SQL text, driver errors and stacks stay in the server log.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    const e = error as FastifyError & { headers?: Record<string, string> };
    if (e.validation) {
      return reply
        .status(400)
        .send({ success: false, error: formatValidationError(e.validationContext ?? 'request', e.validation) });
    }
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).headers(error.headers).send({ success: false, error: error.message });
    }
    const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
    if (status >= 400 && status < 500 && e.code?.startsWith('FST_')) {
      return reply.status(status).send({ success: false, error: e.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ success: false, error: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) => {
    return reply
      .status(404)
      .send({ success: false, error: `route ${request.method} ${request.url.split('?')[0]} not found` });
  });
}
