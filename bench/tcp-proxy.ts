/**
 * A TCP proxy on a free loopback port in front of one target port: one replica's `REDIS_URL` points at it, and the
 * fleet chaos run (and the fleet tests) make that replica's path to Redis slow, stalled or cut while the other
 * replicas keep theirs.
 *
 * Delays keep the byte order of each direction: every chunk waits in its direction's queue until its time, and
 * nothing overtakes what is queued before it (a delay lowered while data waits does not reorder it).
 */
import net from 'node:net';

/** One direction of one connection: chunks waiting for their time to be written. */
class Lane {
  private readonly queue: { at: number; chunk: Buffer }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: net.Socket,
    private readonly proxy: { delayMs: number; stalled: boolean },
  ) {}

  push(chunk: Buffer): void {
    if (this.queue.length === 0 && this.proxy.delayMs === 0 && !this.proxy.stalled) {
      this.to.write(chunk);
      return;
    }
    const last = this.queue[this.queue.length - 1]?.at ?? 0;
    this.queue.push({ at: Math.max(Date.now() + this.proxy.delayMs, last), chunk });
    this.schedule();
  }

  /** Writes what is due (nothing while stalled) and sets a timer for the next chunk. */
  schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.proxy.stalled) return;
    while ((this.queue[0]?.at ?? Infinity) <= Date.now())
      this.to.write((this.queue.shift() as { chunk: Buffer }).chunk);
    const next = this.queue[0];
    if (next) this.timer = setTimeout(() => this.schedule(), next.at - Date.now());
  }

  drop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly lanes = new Set<Lane>();
  private readonly state = { delayMs: 0, stalled: false };
  private isCut = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.accept(client, targetPort));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Drops every connection through the proxy and refuses new ones until `restore`. */
  cut(): void {
    this.isCut = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Every byte, both ways, arrives `ms` later than it was sent (a slow path; connections stay up). */
  delay(ms: number): void {
    this.state.delayMs = ms;
  }

  /** Holds every byte, both ways, until `restore` (a path that has stopped; connections stay up). */
  stall(): void {
    this.state.stalled = true;
  }

  /** Back to a plain path: no delay, what a stall held is sent on, new connections accepted. */
  restore(): void {
    this.isCut = false;
    this.state.delayMs = 0;
    this.state.stalled = false;
    for (const lane of this.lanes) lane.schedule();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, targetPort: number): void {
    if (this.isCut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      const lane = new Lane(to, this.state);
      this.sockets.add(from);
      this.lanes.add(lane);
      from.on('data', (chunk: Buffer) => lane.push(chunk));
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        this.lanes.delete(lane);
        lane.drop();
        to.destroy();
      });
    }
  }
}
