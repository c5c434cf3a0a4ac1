import { plainSchema as plain, type Json } from '../contract/json-schema.js';
import { fullPath, type HttpModule } from './routes.js';

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code', 'instance', 'requestId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** `/api/devices/:id` as OpenAPI spells it, `/api/devices/{id}`, and the names of its path parameters. */
export function openApiPath(path: string): { path: string; params: string[] } {
  const params: string[] = [];
  const converted = path.replace(/:([A-Za-z_$][A-Za-z0-9_$]*)/g, (_, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path: converted, params };
}

/** The OpenAPI 3.1 document of the routes a host serves, built from the operations' contract schemas. */
export function openApiDocument(modules: HttpModule[], info: { title?: string; version?: string } = {}): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const operationIds = new Set<string>();
  for (const { contract, routes } of modules) {
    for (const route of routes) {
      const operation = contract.operations[route.operation];
      const input = plain(operation?.input);
      const properties = (input.properties ?? {}) as Record<string, Json>;
      const required = new Set((input.required ?? []) as string[]);
      const { path, params } = openApiPath(fullPath(contract.name, route.path));
      const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
      const parameters: Json[] = params.map((name) => ({ name, in: 'path', required: true, schema: properties[name] ?? { type: 'string' } }));
      if (!hasBody && !route.input) {
        for (const [name, schema] of Object.entries(properties)) {
          if (!params.includes(name)) parameters.push({ name, in: 'query', required: required.has(name), schema });
        }
      }
      let operationId = `${contract.name}.${route.operation}`;
      for (let n = 2; operationIds.has(operationId); n++) operationId = `${contract.name}.${route.operation}.${n}`;
      operationIds.add(operationId);
      const status = route.status ?? 200;
      const success = status === 204
        ? { description: 'No Content' }
        : { description: 'OK', content: { 'application/json': { schema: plain(operation?.output) } } };
      const entry: Json = {
        operationId,
        summary: route.summary ?? operation?.summary ?? `${contract.name}.${route.operation}`,
        tags: [contract.name],
        security: route.access === 'public' ? [] : [{ bearer: [] }],
        parameters,
        responses: { [String(status)]: success, default: problemResponse('A problem (RFC 9457)') },
      };
      if (hasBody) entry.requestBody = { required: false, content: { 'application/json': { schema: input } } };
      (paths[path] ??= {})[route.method.toLowerCase()] = entry;
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title ?? 'Cleave', version: info.version ?? '0.1.0' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: problemSchema },
    },
  };
}
