/**
 * The provider registry: one line per provider. Adding one: a folder beside these, a line here, its keys in
 * `.env.example` (docs/adding-a-provider.md).
 */
import type { ProviderAdapter } from '../src/core/provider.js';
import { adobeVip } from './adobe-vip/adapter.js';
import { frontpayment } from './frontpayment/adapter.js';
import { tango } from './tango/adapter.js';

export const adapters: readonly ProviderAdapter[] = [tango, adobeVip, frontpayment];
