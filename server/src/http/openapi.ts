import { API_BODY_SCHEMAS } from '@nexusflow/schemas';
import type { RouteSpec } from './route-spec.js';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'message', 'requestId'],
  properties: {
    error: { type: 'string', description: 'machine-readable code, e.g. not_found, invalid_request, insufficient_credits' },
    message: { type: 'string', description: 'what went wrong and how to fix it' },
    requestId: { type: 'string' },
    details: { type: 'array', items: { type: 'object', required: ['pointer', 'message'], properties: { pointer: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } } },
  },
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/** The OpenAPI 3.1 document of the API, built from the route table and the body schemas of @nexusflow/schemas. */
export function buildOpenApi(routes: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const openPath = `/api/v1${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
    const parameters = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const responses: Record<string, unknown> = {
      [String(route.status ?? 200)]: { description: 'success' },
      '400': errorResponse('the request is invalid; details name each problem'),
      '429': errorResponse('rate limited; see Retry-After'),
    };
    if (route.access.kind !== 'public') {
      responses['401'] = errorResponse('missing or invalid token or API key');
      responses['404'] = errorResponse('not found in this workspace');
    }
    if (route.access.kind === 'workspace') responses['403'] = errorResponse(`needs role ${route.access.role} (API keys: scope ${route.access.scope})`);
    const operation: Record<string, unknown> = {
      summary: route.summary,
      tags: [route.tag],
      parameters,
      responses,
      security: route.access.kind === 'public' ? [] : [{ bearer: [] }],
    };
    if (route.access.kind === 'workspace') operation['x-nexusflow-access'] = { role: route.access.role, scope: route.access.scope };
    if (route.body !== undefined) operation.requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${route.body}` } } } };
    (paths[openPath] ??= {})[route.method] = operation;
  }
  paths['/v1/chat/completions'] = {
    post: {
      summary: 'OpenAI-compatible chat completions: `model` names a deployment; streaming with `stream: true`',
      tags: ['chat'],
      security: [{ bearer: [] }],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ChatCompletion' } } } },
      responses: { '200': { description: 'a chat.completion, or a text/event-stream of chat.completion.chunk' }, '402': errorResponse('insufficient credits') },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Nexus Flow API', version: '1.0.0', description: 'Flows, deployments, sessions, credits and chat. Every error has the shape of components.schemas.Error.' },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a sign-in token (JWT) or an API key (nf_...)' } },
      schemas: { Error: ERROR_SCHEMA, ...API_BODY_SCHEMAS },
    },
  };
}
