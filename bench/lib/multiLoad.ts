/**
 * Load over several servers at once: one autocannon per URL, all started
 * together for the same duration, their latencies in one histogram. With one
 * URL it is runLoad's measurement; with two it spreads the connections evenly
 * over two nodes (no balancer in between).
 */
import autocannon, { type RequestSpec } from 'autocannon';
import { createHistogram } from 'node:perf_hooks';
import type { LoadSummary } from './load.js';

export interface MultiLoadOptions {
  urls: readonly string[];
  /** Connections in flight to each URL. */
  connectionsEach: number;
  durationSec: number;
  /** The request specs for the instance that targets urls[i]. */
  requests: (index: number) => RequestSpec[];
}

const US_PER_MS = 1000;

export async function runLoadOver(opts: MultiLoadOptions): Promise<LoadSummary> {
  const histogram = createHistogram();
  const started = performance.now();
  const results = await Promise.all(
    opts.urls.map((url, i) => {
      const instance = autocannon({ url, connections: opts.connectionsEach, duration: opts.durationSec, pipelining: 1, requests: opts.requests(i) });
      instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
        histogram.record(Math.max(1, Math.round(responseTimeMs * US_PER_MS)));
      });
      return instance;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const statusCounts: Record<string, number> = {};
  for (const r of results) {
    for (const [status, stat] of Object.entries(r.statusCodeStats ?? {})) statusCounts[status] = (statusCounts[status] ?? 0) + Number(stat.count);
  }
  const totalRequests = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const ms = (us: number): number => Math.round((us / US_PER_MS) * 100) / 100;
  const empty = histogram.count === 0;
  const pct = (p: number): number => (empty ? 0 : ms(histogram.percentile(p)));
  return {
    reqPerSec: totalRequests / seconds,
    totalRequests,
    durationSec: seconds,
    latencyMs: { mean: empty ? 0 : ms(histogram.mean), p50: pct(50), p90: pct(90), p99: pct(99), p99_9: pct(99.9), max: empty ? 0 : ms(histogram.max) },
    autocannonLatencyMs: { p50: 0, p99: 0, p99_9: 0 },
    statusCounts,
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    timeouts: results.reduce((s, r) => s + r.timeouts, 0),
  };
}
