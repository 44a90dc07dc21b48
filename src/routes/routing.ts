/**
 * Every router's matching rules: paths are case-sensitive and a trailing slash is not an alias, so that one
 * resource has one URL (`/HEALTHZ` and `/healthz/` are 404 `not-found`, like any path no route serves). express
 * applies its app settings to the app's own router only: each `Router()` takes these options itself.
 */
import type { RouterOptions } from 'express';

export const ROUTING: RouterOptions = Object.freeze({ caseSensitive: true, strict: true });
