import type { TSchema } from '@sinclair/typebox';

/** A JSON object, as documents are built of. */
export type Json = Record<string, unknown>;

/**
 * A contract's TypeBox schema as plain JSON Schema, for documents (OpenAPI, AsyncAPI): a deep copy without
 * TypeBox's symbol keys (`Kind`, `Optional`), which JSON cannot hold.
 */
export function plainSchema(schema: TSchema | undefined): Json {
  return schema === undefined ? {} : (JSON.parse(JSON.stringify(schema)) as Json);
}
