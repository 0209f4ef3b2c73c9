// Prometheus metrics (prom-client): requests by route and status, git processes, writes and refusals, index lag, the process itself.
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { RequestSeries } from './request-series';
import type { AccessRecord } from '../log/logger';
import type { WriteEvent } from '../events/write-events';
import type { PackCacheStats } from '../git/pack-cache';

/** What the gauges read when Prometheus scrapes: each a function, so a scrape sees the value of that moment. */
export interface MetricSources {
  /** git processes this server runs (clones, pushes, short commands, gc); cat-file readers are `catFileReaders`. */
  readonly gitRunning: () => number;
  /** Long-lived `git cat-file` readers. */
  readonly catFileReaders: () => number;
  /** Reads waiting for a cat-file reader (all of them busy). */
  readonly readsWaiting: () => number;
  /** Templates whose catalog entry is behind git. */
  readonly indexBehind: () => number;
  /** The object cache's lookups (hits, misses) since the start, and the bytes it keeps. */
  readonly objectCache: () => { hits: number; misses: number; bytes: number };
  /** The cache of whole read answers: lookups (hits, misses) since the start, bytes and answers kept. */
  readonly answerCache: () => { hits: number; misses: number; bytes: number; entries: number };
  /** The precomputed diff store's lookups (hit, miss, corrupt), what it keeps, and the precomputation's queue and results. */
  readonly diffStore: () => { hits: number; misses: number; corrupt: number; bytes: number; queued: number; done: number; failed: number };
  /** The pack-objects cache's lookups since the start and its bytes on disk; null when it is off. */
  readonly packCache: (() => PackCacheStats) | null;
  /** receive-packs started at a push's advertisement since the start: taken by its POST, or ended unused. */
  readonly receivePrestarts: () => { taken: number; unused: number };
}

// request durations: from a cached file (~1 ms) to a large clone or push (minutes)
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** A counter of a cache's lookups by result, fed at each scrape from the totals the cache keeps itself. */
function totals(name: string, help: string, registers: Registry[], read: () => Record<string, number>): void {
  const seen: Record<string, number> = {};
  new Counter({ name, help, labelNames: ['result'], registers,
    collect() {
      // a counter only goes up, so the difference since the last scrape is added
      const now = read();
      for (const [result, total] of Object.entries(now)) this.inc({ result }, Math.max(0, total - (seen[result] ?? 0)));
      Object.assign(seen, now);
    } });
}

/** A cache's hits and misses as the `result` values of a counter. */
const hitsAndMisses = (read: () => { hits: number; misses: number }) => () => { const c = read(); return { hit: c.hits, miss: c.misses }; };

/** The server's metrics, in their own registry (never prom-client's global one: two servers in one process, as in tests, do not mix). */
export class Metrics {
  private readonly registry = new Registry();
  private readonly requests = new RequestSeries(
    'heater_http_requests_total', 'HTTP requests answered, by method, route template and status (0: the client went away first).',
    'heater_http_request_duration_seconds', 'Time from a request to the end of its answer, by method, route template and status.', BUCKETS);
  private readonly writes: Counter<'action' | 'via' | 'result'>;

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'heater_' });
    const registers = [this.registry];
    // registerMetric renders what get() gives; RequestSeries gives what prom-client's own metrics give, without their per-call cost
    for (const m of this.requests.metrics()) this.registry.registerMetric(m as unknown as Metric);
    this.writes = new Counter({ name: 'heater_writes_total', help: 'Writes (pushes, publishes, label moves, marks, deletes, settings, tokens) by action, door (git, rest, cli) and result (ok or refused).', labelNames: ['action', 'via', 'result'], registers });
    const gauge = (name: string, help: string, read: () => number) => new Gauge({ name, help, registers, collect() { this.set(read()); } });
    gauge('heater_git_processes_running', 'git processes the server runs now (cat-file readers not included).', sources.gitRunning);
    totals('heater_git_receive_prestarts_total', 'receive-packs started when a push\'s advertisement was sent, by result (taken: the push\'s POST on that connection used it; unused: ended with no POST, or another one\'s).', registers, sources.receivePrestarts);
    gauge('heater_git_catfile_readers', 'Long-lived git cat-file readers.', sources.catFileReaders);
    gauge('heater_git_reads_waiting', 'Reads waiting for a git cat-file reader (every reader busy).', sources.readsWaiting);
    totals('heater_diff_store_lookups_total', 'Lookups of the precomputed diff store (.heater/diffs/) by result: hit, miss, or corrupt (a damaged entry, removed and computed again).', registers,
      () => { const d = sources.diffStore(); return { hit: d.hits, miss: d.misses, corrupt: d.corrupt }; });
    totals('heater_diff_precomputed_total', 'Diffs of consecutive versions precomputed after writes and at start-up, by result: ok (kept) or failed.', registers,
      () => { const d = sources.diffStore(); return { ok: d.done, failed: d.failed }; });
    gauge('heater_diff_store_bytes', 'Bytes the precomputed diff store keeps on disk (0 until its folder was first listed).', () => sources.diffStore().bytes);
    gauge('heater_diff_precompute_queued', 'Precomputation jobs waiting or running (templates written to, pairs, the start-up fill).', () => sources.diffStore().queued);
    totals('heater_object_cache_lookups_total', 'Lookups of the git object cache (blobs, trees, commits) by result (hit or miss); the hit ratio is rate(hit) / rate(all).', registers, hitsAndMisses(sources.objectCache));
    gauge('heater_object_cache_bytes', 'Bytes the git object cache keeps now.', () => sources.objectCache().bytes);
    totals('heater_answer_cache_lookups_total', 'Lookups of the cache of whole read answers (anonymous GETs of files, version lists, resolutions, listings) by result (hit or miss).', registers, hitsAndMisses(sources.answerCache));
    gauge('heater_answer_cache_bytes', 'Bytes the cache of whole read answers keeps now.', () => sources.answerCache().bytes);
    gauge('heater_answer_cache_entries', 'Answers the cache of whole read answers keeps now.', () => sources.answerCache().entries);
    const packCache = sources.packCache;
    if (packCache) {
      totals('heater_pack_cache_answers_total', 'Clone requests (no "have" lines) by result (hit: the server sent a kept upload-pack answer, no git ran; miss: upload-pack ran).', registers, () => ({ hit: packCache().answerHits, miss: packCache().answerMisses }));
      totals('heater_pack_cache_lookups_total', 'Packs upload-pack asked of the pack-objects hook, by result (hit: served from disk; miss: git pack-objects ran).', registers, hitsAndMisses(packCache));
      gauge('heater_pack_cache_bytes', 'Bytes of packs the pack-objects cache keeps on disk (at its last sweep).', () => packCache().bytes);
    }
    gauge('heater_index_behind_templates', 'Templates whose catalog entry is behind git (a reindex waiting for its retry).', sources.indexBehind);
  }

  /** Counts an answered request (fed from the access log). */
  observeRequest = (r: AccessRecord): void => {
    this.requests.observe(r.method, r.route ?? '(none)', r.aborted ? 0 : r.status, r.ms / 1000);
  };

  /** The write-event subscriber: counts each write and each refused push. */
  onWrite = (e: WriteEvent): void => {
    this.writes.inc({ action: e.action, via: e.via, result: e.ok ? 'ok' : 'refused' });
  };

  /** The exposition text and its content type. */
  async render(): Promise<{ readonly contentType: string; readonly text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
