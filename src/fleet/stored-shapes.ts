/**
 * What a value read from Redis must look like before the fleet uses it: a cache entry, a token, an event. Redis is
 * shared, outlives releases and may hold anything (an older version's format, a value cut short, `null`, a key
 * written by another tool): a value that fails its schema is a miss (or an event ignored), never an error.
 */
import Joi from 'joi';

const view = Joi.object({
  data: Joi.string().required(),
  etag: Joi.string().required(),
  clearNationalId: Joi.boolean().required(),
});

const times = {
  fetchedAt: Joi.number().required(),
  freshUntil: Joi.number().required(),
};

/** A stored cache entry (version 2), a customer or a cached `customer-not-found`. */
export const storedEntrySchema = Joi.alternatives(
  Joi.object({
    v: Joi.valid(2).required(),
    key: Joi.string().required(),
    kind: Joi.valid('customer').required(),
    version: Joi.string().required(),
    rawText: Joi.string().allow('').required(),
    ...times,
    staleUntil: Joi.number().required(),
    masked: view.required(),
    clear: view,
    partial: Joi.object({
      missing: Joi.array().items(Joi.valid('balances')).length(1).required(),
      problem: Joi.string().required(),
      detail: Joi.string().allow('').required(),
    }),
  }),
  Joi.object({
    v: Joi.valid(2).required(),
    key: Joi.string().required(),
    kind: Joi.valid('not-found').required(),
    ...times,
    error: Joi.object({
      code: Joi.valid('customer-not-found').required(),
      detail: Joi.string().allow('').required(),
      provider: Joi.string(),
      upstreamStatus: Joi.number().integer(),
    }).required(),
  }),
);

export const storedTokenSchema = Joi.object({
  value: Joi.string().min(1).required(),
  refreshAt: Joi.number().required(),
  expiresAt: Joi.number().required(),
});

const failure = Joi.object({
  code: Joi.string().required(),
  detail: Joi.string().allow('').required(),
  provider: Joi.string(),
  upstreamStatus: Joi.number().integer(),
  retryAfterSeconds: Joi.number().min(0),
  unwell: Joi.boolean(),
});

/** When an event was sent (the sender's clock, ms) and a random nonce: a receiver takes each event once, fresh. */
const sent = { at: Joi.number().required(), n: Joi.string().min(8).max(32).required() };

export const fleetEventSchema = Joi.alternatives(
  Joi.object({ t: Joi.valid('done').required(), name: Joi.string().required(), ...sent }),
  Joi.object({
    t: Joi.valid('failed').required(),
    name: Joi.string().required(),
    failure: failure.required(),
    ...sent,
  }),
  Joi.object({ t: Joi.valid('purge').required(), key: Joi.string().required(), ...sent }),
  Joi.object({
    t: Joi.valid('token').required(),
    credential: Joi.string().required(),
    token: Joi.string().required(),
    ...sent,
  }),
);

/**
 * A record of the blind index (redis-index.ts): its reference and summary, sealed (base64url), and the hashes of its
 * terms, 22 base64url characters each, separated by spaces.
 */
export const storedIndexRecordSchema = Joi.object({
  ref: Joi.string().min(1).required(),
  summary: Joi.string().min(1).required(),
  keys: Joi.string()
    .allow('')
    .pattern(/^[\w-]{22}( [\w-]{22})*$/)
    .required(),
});

/** The value if it fits the schema, else undefined. */
export function valid<T>(schema: Joi.Schema, value: unknown): T | undefined {
  return schema.validate(value, { allowUnknown: false, convert: false }).error ? undefined : (value as T);
}
