/**
 * Adobe's customer list of one reseller: `GET /v3/resellers/{reseller_id}/customers` with `limit` (1-50) and
 * `offset`. The docs' example names the array `accounts`, their response table `customers`: both are read.
 * Offered only with `ADOBE_VIP_RESELLER_ID`.
 * https://developer.adobe.com/vipmp/docs/customer-account/get-customer-list
 */
import type { CustomerStatus } from '../../src/core/model.js';
import { isRecord } from '../../src/core/normalize.js';
import type { ListDeclaration } from '../../src/core/provider.js';

/** Adobe's largest page. */
const MAX_LIMIT = 50;

/** The list's `status` filter takes 1000, 1002, 1004 (and 1026); without it Adobe lists 1000 (active) only. */
const STATUS_CODES: Partial<Record<CustomerStatus, string>> = { active: '1000', pending: '1002', inactive: '1004' };

export const adobeList: ListDeclaration = {
  statuses: ['active', 'pending', 'inactive'],
  name: true,
  offered: (env) => Boolean(env.ADOBE_VIP_RESELLER_ID),
  request: ({ limit, cursor, filters }, attempt, env) => {
    const params = new URLSearchParams({ limit: String(Math.min(limit, MAX_LIMIT)), offset: cursor ?? '0' });
    const status = filters.status && STATUS_CODES[filters.status];
    if (status) params.set('status', status);
    // Adobe's name filter takes `*` as a wildcard: the gateway's `name` is the start of the company name.
    if (filters.name) params.set('company-name', `${filters.name}*`);
    return {
      path: `/v3/resellers/${encodeURIComponent(env.ADOBE_VIP_RESELLER_ID ?? '')}/customers?${params.toString()}`,
      headers: {
        'X-Request-Id': attempt.attemptId,
        'X-Correlation-Id': attempt.idempotencyKey,
        Accept: 'application/json',
        'Content-Type': 'application/json',
      },
    };
  },
  parse(body, page) {
    if (!isRecord(body)) return undefined;
    const customers = Array.isArray(body.accounts)
      ? body.accounts
      : Array.isArray(body.customers)
        ? body.customers
        : undefined;
    if (!customers) return undefined;
    const offset = Number(page.cursor ?? '0') + customers.length;
    const total = typeof body.totalCount === 'number' ? body.totalCount : undefined;
    // Without a total, a full page may have a successor; an empty one never has.
    const more = total === undefined ? customers.length >= Math.min(page.limit, MAX_LIMIT) : offset < total;
    return { customers, next: more && customers.length > 0 ? String(offset) : null };
  },
};
