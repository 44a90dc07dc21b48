/**
 * A real redis-server for tests: its own process on a free loopback port, in a temp directory, without
 * persistence (`--save '' --appendonly no`), that a test can kill and start again on the same port. Extra
 * arguments make it a cluster node, a replica or a sentinel (redis-cluster.ts, redis-sentinel.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class TestRedis {
  private child: ChildProcess | undefined;
  /** Why the last start failed (no redis-server binary, say), for the error that start throws. */
  private startFailure: Error | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly extraArgs: readonly string[],
    private readonly sentinelConfig: string | undefined,
  ) {}

  /** `extraArgs` follow the defaults (`--cluster-enabled yes`, `--replicaof …`). */
  static async start(extraArgs: readonly string[] = []): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'cgw-redis-')), extraArgs, undefined);
    await redis.restart();
    return redis;
  }

  /**
   * A sentinel (the same binary, `--sentinel`) with these `sentinel …` lines; it rewrites its own config file, so
   * it gets one in its directory.
   */
  static async startSentinel(lines: readonly string[]): Promise<TestRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'cgw-sentinel-'));
    const config = [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'loglevel warning', ...lines].join('\n');
    const redis = new TestRedis(port, dir, [], config);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the server (again) on the same port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.child) return;
    let sentinelArgs: string[] | undefined;
    if (this.sentinelConfig !== undefined) {
      const file = join(this.dir, 'sentinel.conf');
      if (!existsSync(file)) writeFileSync(file, `${this.sentinelConfig}\n`);
      sentinelArgs = [file, '--sentinel'];
    }
    const child = spawn(
      REDIS_SERVER,
      sentinelArgs ?? [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--loglevel',
        'warning',
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.startFailure = undefined;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    // A missing binary is an 'error' event, never an 'exit': unhandled, it would end the whole test process.
    child.once('error', (error) => {
      this.startFailure = error;
      if (this.child === child) this.child = undefined;
    });
    child.stdout?.resume();
    child.stderr?.resume();
    await this.waitUntilAccepting();
  }

  /** SIGKILL: the server vanishes as a crashed one does (no goodbye to clients). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOP / SIGCONT: the server keeps its connections but answers nothing (a stalled Redis). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntilAccepting(): Promise<void> {
    const until = Date.now() + 10_000;
    for (;;) {
      const pong = await new Promise<boolean>((resolve) => {
        const socket = net.connect(this.port, '127.0.0.1');
        socket.once('connect', () => socket.write('PING\r\n'));
        socket.once('data', (data) => {
          socket.destroy();
          resolve(data.toString().startsWith('+PONG'));
        });
        socket.once('error', () => resolve(false));
      });
      if (pong) return;
      if (Date.now() > until || !this.child) {
        const why = this.startFailure ? ` (${this.startFailure.message}; .ci/run installs it)` : '';
        throw new Error(`redis-server did not start on port ${this.port}${why}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
