/**
 * Names for the generated types the client's calls take and answer: aliases of `components['schemas']` and of the
 * operations' parameters, never copies, so that they follow the gateway's OpenAPI document.
 */
import type { components, operations } from './schema.js';

type Schemas = components['schemas'];

export type Problem = Schemas['Problem'];
/** A problem's code: the last segment of its `type` (`/problems/customer-not-found` → `customer-not-found`). */
export type ProblemCode = Schemas['ProblemType']['code'];
export type Customer = Schemas['Customer'];
export type CustomerAnswer = Schemas['CustomerAnswer'];
export type CustomerPage = Schemas['CustomerPage'];
export type SearchAnswer = Schemas['SearchAnswer'];
export type LinksAnswer = Schemas['LinksAnswer'];
export type BatchLookup = Schemas['BatchRequest']['lookups'][number];
export type BatchResult = Schemas['BatchAnswer']['results'][number];
export type ProviderList = Schemas['ProviderList'];

export type ProviderId = operations['getCustomer']['parameters']['path']['provider'];
export type Include = NonNullable<NonNullable<operations['getCustomer']['parameters']['query']>['include']>;
export type SearchQuery = NonNullable<operations['searchCustomers']['parameters']['query']>;
export type ListQuery = NonNullable<operations['listCustomers']['parameters']['query']>;
