// Draining the HTTP server at shutdown: stop accepting, let answers in flight finish for a grace period, then cut what remains.
import type http from 'node:http';

// How often idle keep-alive connections are closed while draining: a connection whose answer has just
// finished is idle, and Node closes idle ones only when close() is called, not as they become idle.
const SWEEP_MS = 100;

/** The server's drain state: whether it is draining (so /readyz says so), and the drain itself. */
export class Drain {
  private draining = false;
  private done: Promise<{ readonly cut: number }> | null = null;
  private answering = 0;
  private lastRequest = 0;

  constructor(private readonly server: http.Server) {}

  /** True from the start of drain() on. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Called for each request before it is answered: while draining, its connection closes after the answer. */
  onRequest(res: http.ServerResponse): void {
    if (this.draining) res.setHeader('Connection', 'close');
    this.answering++;
    this.lastRequest = Date.now();
    res.once('close', () => { this.answering--; });
  }

  /** For an answer sent whole before the handler returned (never while draining): it began now and is done. */
  onAnsweredAtOnce(): void {
    this.lastRequest = Date.now();
  }

  /** True when no answer is under way and none began in the last `ms` (background work may run). */
  isQuiet(ms: number): boolean {
    return this.answering === 0 && Date.now() - this.lastRequest >= ms;
  }

  /**
   * Stops accepting connections and waits for those open to finish their answers, for at most
   * `graceMs`; then closes every connection left. Resolves once the server is closed, with how
   * many connections were cut (0 when all finished in time). A second call returns the first's result.
   */
  drain(graceMs: number): Promise<{ readonly cut: number }> {
    this.done ??= this.run(graceMs);
    return this.done;
  }

  private async run(graceMs: number): Promise<{ readonly cut: number }> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => { this.server.close(() => resolve()); });
    const sweep = setInterval(() => this.server.closeIdleConnections(), SWEEP_MS);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace'>((resolve) => { timer = setTimeout(() => resolve('grace'), graceMs); });
    try {
      if (await Promise.race([closed.then(() => 'closed' as const), graceOver]) === 'closed') return { cut: 0 };
      const cut = await this.openConnections();
      this.server.closeAllConnections();
      await closed;
      return { cut };
    } finally {
      clearInterval(sweep);
      clearTimeout(timer);
    }
  }

  private openConnections(): Promise<number> {
    return new Promise((resolve) => { this.server.getConnections((_e, n) => resolve(n)); });
  }
}
