/**
 * A small checker of real answers against the gateway's OpenAPI 3.1 document: it finds the operation and
 * response for an answer, checks the media type, required headers and the body against the JSON Schema.
 *
 * It implements only the JSON Schema keywords the document uses and throws on any other, so a schema it
 * cannot check fails loudly instead of passing. (With `ajv` as a devDependency, `Ajv2020` could replace
 * `validate` below; it is only present transitively today, so nothing here relies on it.)
 */
type Json = unknown;
type Schema = Record<string, Json>;

const SUPPORTED = new Set([
  '$ref', 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'oneOf',
  'minimum', 'minLength', 'pattern', 'format', 'description', 'example',
]);

export class OpenApiChecker {
  constructor(private readonly doc: Schema) {}

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

  validate(schemaNode: Json, value: Json, at = '$'): string[] {
    const schema = this.resolve(schemaNode);
    for (const key of Object.keys(schema)) if (!SUPPORTED.has(key) && !key.startsWith('x-')) throw new Error(`the checker does not support "${key}" (at ${at})`);
    const errors: string[] = [];
    if (schema.oneOf) {
      const matching = (schema.oneOf as Json[]).filter((option) => this.validate(option, value, at).length === 0);
      if (matching.length !== 1) errors.push(`${at}: matches ${matching.length} of oneOf`);
    }
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((type) => hasType(value, type))) return [...errors, `${at}: expected ${types.join('|')}, got ${JSON.stringify(value)?.slice(0, 60)}`];
    }
    if (schema.enum && !(schema.enum as Json[]).some((option) => option === value)) errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
    if ('const' in schema && schema.const !== value) errors.push(`${at}: expected ${JSON.stringify(schema.const)}`);
    if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${at}: below ${schema.minimum}`);
    if (typeof value === 'string') {
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${at}: does not match ${schema.pattern}`);
      if (schema.format === 'date-time' && (Number.isNaN(Date.parse(value)) || !/^\d{4}-\d\d-\d\dT/.test(value))) errors.push(`${at}: not a date-time`);
    }
    if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...this.validate(schema.items, item, `${at}[${i}]`)));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, Json>;
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      for (const name of (schema.required ?? []) as string[]) if (!(name in record)) errors.push(`${at}: missing "${name}"`);
      for (const [name, item] of Object.entries(record)) {
        if (name in properties) errors.push(...this.validate(properties[name], item, `${at}.${name}`));
        else if (schema.additionalProperties === false) errors.push(`${at}: unexpected "${name}"`);
        else if (typeof schema.additionalProperties === 'object') errors.push(...this.validate(schema.additionalProperties, item, `${at}.${name}`));
      }
    }
    return errors;
  }

  /** The documented response for an answer, or why there is none. */
  responseFor(method: string, path: string, status: number): Schema {
    const paths = this.doc.paths as Record<string, Record<string, Schema>>;
    const template = Object.keys(paths).find((t) => new RegExp(`^${t.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
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

function hasType(value: Json, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === type;
  }
}
