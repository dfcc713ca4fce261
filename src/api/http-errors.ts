import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage, HOST_ERRORS, OnrampError } from '../plugin/errors.ts';

// Every error the API returns has Kafka Connect's body {"error_code": <status>, "message": "..."}:
// OnrampErrors (status from the one error table), request validation, malformed JSON, unknown routes
// (404), wrong methods (405) and anything unexpected (500).

export interface ErrorBody {
  error_code: number;
  message: string;
}

export function errorBody(status: number, message: string): ErrorBody {
  return { error_code: status, message };
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && ('statusCode' in error || 'validation' in error || 'code' in error);
}

/** The HTTP status and message for any thrown value. */
export function toHttpError(error: unknown): { status: number; message: string } {
  if (error instanceof OnrampError) return { status: error.status, message: error.message };
  if (isFastifyError(error)) {
    if (error.validation) {
      const context = error.validationContext ?? 'request';
      return { status: HOST_ERRORS.BAD_REQUEST.status, message: `Invalid ${context}: ${error.message}` };
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return {
        status: HOST_ERRORS.UNSUPPORTED_MEDIA_TYPE.status,
        message: `${HOST_ERRORS.UNSUPPORTED_MEDIA_TYPE.title}; send application/json (${error.message})`,
      };
    }
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) return { status, message: error.message };
  }
  return { status: 500, message: errorMessage(error) };
}

/**
 * fastify's `frameworkErrors`: a URL the router cannot take (broken percent-encoding, a path
 * segment over maxParamLength) gets Kafka Connect's body, without echoing the path back.
 */
export function frameworkErrorReply(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode ?? 400;
  let message: string;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    message =
      'HTTP 414 URI Too Long: a path segment is too long (connector names have at most 249 characters)';
  else if (error.code === 'FST_ERR_BAD_URL')
    message = 'HTTP 400 Bad Request: the path is not valid percent-encoded UTF-8';
  else message = toHttpError(error).message;
  void reply.status(status).send(errorBody(status, message));
}

/** Registers the error handler, the JSON body parser and the 404/405 handler. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, message } = toHttpError(error);
    if (status >= 500)
      request.log.error({ err: error, url: request.url, method: request.method }, 'request failed');
    void reply.status(status).send(errorBody(status, message));
  });

  // Kafka Connect accepts empty bodies on PUT /pause and friends even with a JSON content type.
  app.removeContentTypeParser('application/json');
  // Bodies are JSON: anything else with content is 415, as Jersey answers a @Consumes(JSON)
  // resource (fastify would hand text/plain to the route and fail its schema with a 400). An empty
  // body passes with any content type, as it does in Kafka Connect.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    const type = request.headers['content-type'];
    done(
      new OnrampError(
        'UNSUPPORTED_MEDIA_TYPE',
        `HTTP 415 Unsupported Media Type: send the body as application/json (got ${type === undefined ? 'no content type' : JSON.stringify(type.slice(0, 100))})`,
      ),
      undefined,
    );
  });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        new OnrampError('INVALID_JSON', `${HOST_ERRORS.INVALID_JSON.title}: ${errorMessage(error)}`),
        undefined,
      );
    }
  });

  const routes: Array<{ method: string; pattern: RegExp }> = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const pattern = new RegExp(
      `^${route.url
        .split('/')
        .map((part) =>
          part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/')}/?$`,
    );
    for (const method of methods) routes.push({ method: method.toUpperCase(), pattern });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = [
      ...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method)),
    ].sort();
    // Jersey's wording, which Kafka Connect clients see for these; a 405 says what is allowed (RFC 9110).
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      const error = new OnrampError('METHOD_NOT_ALLOWED', 'HTTP 405 Method Not Allowed');
      void reply
        .status(error.status)
        .header('Allow', allowed.join(', '))
        .send(errorBody(error.status, error.message));
      return;
    }
    const error = new OnrampError('ROUTE_NOT_FOUND', 'HTTP 404 Not Found');
    void reply.status(error.status).send(errorBody(error.status, error.message));
  });
}
