/**
 * The TCP proxy the fleet tests put in front of Redis: the one the fleet chaos run uses (bench/tcp-proxy.ts), which
 * can also slow or stall the path, not only cut it.
 */
export { TcpProxy } from '../../bench/tcp-proxy.js';
