import type { Logger } from 'pino';
import type { AuditStore } from '../store/store.js';

/** Told how each run ended: the server's view of whether the database takes writes. */
export interface JobOutcomes {
  /** A run completed (its lease renewal is a write). */
  succeeded(): void;
  /** A run failed; true when this reported the failure itself (a database outage), so the job does not. */
  failed(error: unknown): boolean;
}

export interface JobOptions {
  store: AuditStore;
  log: Logger;
  /** Identifies this process in leases. */
  holder: string;
  /** Milliseconds between runs. */
  intervalMs: number;
  /** How long a lease lasts without renewal. */
  leaseMs?: number;
  outcomes?: JobOutcomes;
}

/**
 * A background job that runs every `intervalMs` in whichever process holds its lease, so that
 * any number of Trailmark processes on one database run it once at a time. Runs never overlap
 * within a process; `runNow()` runs it at once (tests, CLI) and answers what the run returned.
 */
export abstract class PeriodicJob<R> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<R | undefined> | undefined;
  private stopped = false;
  protected readonly store: AuditStore;
  protected readonly log: Logger;
  private readonly holder: string;
  private readonly intervalMs: number;
  protected readonly leaseMs: number;
  private readonly outcomes: JobOutcomes | undefined;

  constructor(
    readonly name: string,
    options: JobOptions,
  ) {
    this.store = options.store;
    this.log = options.log;
    this.holder = options.holder;
    this.intervalMs = options.intervalMs;
    this.leaseMs = options.leaseMs ?? Math.max(30_000, options.intervalMs * 3);
    this.outcomes = options.outcomes;
  }

  protected abstract run(): Promise<R>;

  /**
   * Runs the job every `intervalMs`, the first time soon after start (at most 10 s): a process
   * restarted more often than the interval would otherwise never run it.
   */
  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      void this.runNow().then(
        () => this.outcomes?.succeeded(),
        (error: unknown) => {
          // Every tick of an outage fails alike: it is logged once, where it starts.
          if (!this.outcomes?.failed(error)) this.log.error({ err: error, job: this.name }, 'job failed');
        },
      );
    };
    this.timer = setTimeout(
      () => {
        if (this.stopped) return;
        tick();
        this.timer = setInterval(tick, this.intervalMs);
        this.timer.unref();
      },
      Math.min(this.intervalMs, 10_000),
    );
    this.timer.unref();
  }

  /** Renews the lease during a long run; false when another process took it. */
  protected async renewLease(): Promise<boolean> {
    return this.store.leases.acquire(this.name, this.holder, this.leaseMs, Date.now());
  }

  /** Runs once unless a run is under way here or another process holds the lease (undefined). */
  async runNow(): Promise<R | undefined> {
    if (this.running) return this.running;
    this.running = (async () => {
      if (this.stopped) return undefined;
      if (!(await this.renewLease())) return undefined;
      return this.run();
    })();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Stops the timer, waits for a run under way, and frees the lease for another process. */
  async stop(): Promise<void> {
    this.stopped = true;
    // clearTimeout clears either kind of timer.
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.running;
    } catch {
      // logged by whoever awaited the run
    }
    await this.store.leases.release(this.name, this.holder).catch(() => undefined);
  }

  protected get isStopped(): boolean {
    return this.stopped;
  }
}
