/** Thin wrapper over autocannon that returns the numbers the benches report. */
import autocannon, { type Options, type RequestSpec, type Result } from 'autocannon';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { Json } from './types.js';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  requests?: RequestSpec[];
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadSummary {
  /** Mean of autocannon's per-second request samples. */
  reqPerSec: number;
  /** Completed requests / wall-clock duration. */
  totalRequests: number;
  durationSec: number;
  /** From our own microsecond histogram (autocannon's own rounds to whole ms). */
  latencyMs: { mean: number; p50: number; p90: number; p99: number; p99_9: number; max: number };
  /** autocannon's whole-millisecond percentiles, kept for comparison. */
  autocannonLatencyMs: { p50: number; p99: number; p99_9: number };
  statusCounts: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function statusCounts(result: Result): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) {
    counts[status] = Number(stat.count);
  }
  return counts;
}

const US_PER_MS = 1000;

function latencyFrom(histogram: RecordableHistogram): LoadSummary['latencyMs'] {
  const ms = (us: number): number => Math.round((us / US_PER_MS) * 100) / 100;
  if (histogram.count === 0) return { mean: 0, p50: 0, p90: 0, p99: 0, p99_9: 0, max: 0 };
  return {
    mean: ms(histogram.mean),
    p50: ms(histogram.percentile(50)),
    p90: ms(histogram.percentile(90)),
    p99: ms(histogram.percentile(99)),
    p99_9: ms(histogram.percentile(99.9)),
    max: ms(histogram.max),
  };
}

export function summarize(result: Result, histogram: RecordableHistogram): LoadSummary {
  const { latency } = result;
  const totalRequests = Object.values(statusCounts(result)).reduce((a, b) => a + b, 0);
  return {
    reqPerSec: result.requests.average,
    totalRequests,
    durationSec: result.duration,
    latencyMs: latencyFrom(histogram),
    autocannonLatencyMs: { p50: latency.p50, p99: latency.p99, p99_9: latency.p99_9 },
    statusCounts: statusCounts(result),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** Run one autocannon load (in this process) and summarize it. */
export async function runLoad(opts: LoadOptions): Promise<LoadSummary> {
  const options: Options = {
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationSec,
    pipelining: 1,
  };
  if (opts.requests !== undefined) options.requests = opts.requests;
  if (opts.method !== undefined) options.method = opts.method;
  if (opts.headers !== undefined) options.headers = opts.headers;
  if (opts.body !== undefined) options.body = opts.body;
  const histogram = createHistogram();
  const instance = autocannon(options);
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
    histogram.record(Math.max(1, Math.round(responseTimeMs * US_PER_MS)));
  });
  const result = await instance;
  return summarize(result, histogram);
}

export function loadSummaryJson(s: LoadSummary): Json {
  return {
    reqPerSec: s.reqPerSec,
    totalRequests: s.totalRequests,
    durationSec: s.durationSec,
    latencyMs: { ...s.latencyMs },
    autocannonLatencyMs: { ...s.autocannonLatencyMs },
    statusCounts: { ...s.statusCounts },
    non2xx: s.non2xx,
    errors: s.errors,
    timeouts: s.timeouts,
  };
}
