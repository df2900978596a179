/** Contract between bench/run.ts and each bench/<name>.ts module. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Metric {
  label: string;
  value: number | string;
  /** Printed after the value, e.g. "req/s", "ms". */
  unit?: string;
}

export interface Goal {
  text: string;
  met: boolean;
}

export interface BenchResult {
  name: string;
  description: string;
  metrics: Metric[];
  goal?: Goal;
  /** Free-text lines printed under the table (what exactly was measured, caveats). */
  notes: string[];
  /** Raw details, written to bench/results/<name>.json. */
  data: Json;
}

/** What every bench/<name>.ts exports. */
export type BenchRun = () => Promise<BenchResult>;
