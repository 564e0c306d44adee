/**
 * The OpenAPI 3.1 description of the REST API, generated from the route
 * declarations and their zod schemas: it cannot describe a route that does
 * not exist or miss one that does.
 */
import { z } from 'zod';
import { errorResponse } from '../../common/api.ts';
import type { RouteDef } from './route.ts';

const json = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });

export function openApiDocument(routes: readonly RouteDef[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const params = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (r.query) {
      const schema = json(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(schema.properties ?? {})) {
        params.push({ name, in: 'query', required: (schema.required ?? []).includes(name), schema: s as { type: string } });
      }
    }
    const status = String(r.status ?? 200);
    const error = { description: 'Error', content: { 'application/json': { schema: json(errorResponse, 'output') } } };
    paths[path] ??= {};
    paths[path]![r.method] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.access === 'public' ? { security: [] } : {}),
      ...(r.access === 'admin' ? { description: 'Admins only.' } : {}),
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: json(r.body, 'input') } } } } : {}),
      responses: {
        [status]: r.response
          ? { description: 'OK', content: { 'application/json': { schema: json(r.response, 'output') } } }
          : { description: 'No content' },
        ...(r.query || r.body ? { 400: error } : {}),
        ...(r.access !== 'public' ? { 401: error, 403: error } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Merezha API',
      version,
      description:
        'The dashboard API of Merezha. Sign in with POST /api/session (cookie; send the returned csrf as X-CSRF-Token on changes) or send an API token as Authorization: Bearer.',
    },
    components: {
      securitySchemes: {
        cookie: { type: 'apiKey', in: 'cookie', name: 'merezha_session' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
    security: [{ cookie: [] }, { bearer: [] }],
    paths,
  };
}
