/**
 * A small checker of real answers against the gateway's OpenAPI 3.1 document: it finds the operation and
 * response for an answer, checks the media type, required headers and the body against the JSON Schema.
 *
 * Schemas are checked by ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses) in strict mode, so a keyword it does
 * not know fails loudly instead of passing.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

type Json = unknown;
type Schema = Record<string, Json>;

const DOCUMENT_ID = 'customer-gateway-openapi';

export class OpenApiChecker {
  private readonly ajv: Ajv2020;

  constructor(private readonly doc: Schema) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    // OpenAPI's own annotation keyword, and the document's components (where `#/components/schemas/…` refs
    // point); every other unknown keyword fails loudly (strict mode).
    this.ajv.addVocabulary(['example', 'components']);
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas: (doc.components as Schema).schemas } });
  }

  resolve(node: Json): Schema {
    let current = node as Schema;
    while (typeof current.$ref === 'string') {
      const ref = current.$ref;
      if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
      let target: Json = this.doc;
      for (const part of ref.slice(2).split('/')) target = (target as Record<string, Json>)[part];
      if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
      current = target as Schema;
    }
    return current;
  }

  /** Every `$ref` in the document resolves. */
  checkRefs(node: Json = this.doc, path = '#'): string[] {
    if (Array.isArray(node)) return node.flatMap((item, i) => this.checkRefs(item, `${path}/${i}`));
    if (node === null || typeof node !== 'object') return [];
    const errors: string[] = [];
    const record = node as Schema;
    if (typeof record.$ref === 'string') {
      try {
        this.resolve(record);
      } catch (error) {
        errors.push(`${path}: ${(error as Error).message}`);
      }
    }
    for (const [key, value] of Object.entries(record)) errors.push(...this.checkRefs(value, `${path}/${key}`));
    return errors;
  }

  /** Errors of `value` against a schema of the document (JSON Schema 2020-12, checked by ajv). */
  validate(schemaNode: Json, value: Json, at = '$'): string[] {
    // Inline schemas refer to the document's components: point their refs at the registered document.
    const schema = JSON.parse(JSON.stringify(schemaNode).replaceAll('"#/', `"${DOCUMENT_ID}#/`)) as Schema;
    const check = this.ajv.compile(schema);
    if (check(value)) return [];
    return (check.errors ?? []).map((e) => `${at}${e.instancePath.replace(/\//g, '.')}: ${e.message ?? e.keyword}`);
  }

  /** The documented response for an answer, or why there is none. */
  responseFor(method: string, path: string, status: number): Schema {
    const paths = this.doc.paths as Record<string, Record<string, Schema>>;
    const template = Object.keys(paths).find((t) =>
      new RegExp(`^${t.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
    );
    if (!template) throw new Error(`no documented path for ${path}`);
    const operation = paths[template]?.[method.toLowerCase()];
    // A method the path does not serve: the document's one description of 405.
    if (!operation && status === 405) return this.resolve({ $ref: '#/components/responses/method-not-allowed' });
    if (!operation) throw new Error(`${method} ${template} is not documented`);
    const responses = operation.responses as Record<string, Json>;
    const response = responses[String(status)] ?? responses.default;
    if (!response) throw new Error(`${method} ${template} documents no ${status}`);
    return this.resolve(response);
  }

  /** Checks one real answer against a documented response. */
  checkAnswer(response: Schema, answer: { method: string; status: number; headers: Headers; body: string }): string[] {
    const errors: string[] = [];
    for (const [name, headerNode] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
      const header = this.resolve(headerNode);
      const value = answer.headers.get(name);
      if (value === null) {
        if (header.required === true) errors.push(`header ${name} is required`);
        continue;
      }
      errors.push(...this.validate(header.schema, value, `header ${name}`));
    }
    const content = response.content as Record<string, { schema: Json }> | undefined;
    if (!content || answer.method === 'HEAD' || answer.status === 304) {
      if (!content && answer.body !== '') errors.push('a body where none is documented');
      return errors;
    }
    const mediaType = (answer.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    const media = content[mediaType];
    if (!media) return [...errors, `media type ${mediaType} is not documented (${Object.keys(content).join(', ')})`];
    if (/json/.test(mediaType)) errors.push(...this.validate(media.schema, JSON.parse(answer.body) as Json));
    else errors.push(...this.validate(media.schema, answer.body));
    return errors;
  }
}
