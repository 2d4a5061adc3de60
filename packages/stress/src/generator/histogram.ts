/**
 * Latency histograms: HdrHistogram (hdr-histogram-js, the maintained JavaScript port), values in
 * microseconds with 3 significant digits, growing as needed. Summaries are in milliseconds.
 * Histograms travel in reports as HdrHistogram's compressed base64 encoding, so runs (and shards)
 * can be merged exactly later: histograms add, percentiles are never averaged.
 */
import * as hdr from 'hdr-histogram-js';

/** An HdrHistogram of microseconds. */
export type LatencyHistogram = hdr.Histogram;

/** A new, empty latency histogram (microseconds, 3 significant digits, auto-resizing). */
export function newHistogram(): LatencyHistogram {
  return hdr.build({ bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** Percentiles of a histogram, in milliseconds (null when it holds nothing). */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  mean: number | null;
}

const ms = (us: number): number => Math.round(us) / 1000;

/** The percentiles of `h` in milliseconds. */
export function summarize(h: LatencyHistogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) return { count, p50: null, p90: null, p95: null, p99: null, p999: null, max: null, mean: null };
  return {
    count,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: Math.round(h.mean) / 1000,
  };
}

/** HdrHistogram's compressed base64 encoding (the V2 log format's payload). */
export function encodeHistogram(h: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes {@link encodeHistogram}'s output. */
export function decodeHistogram(encoded: string): LatencyHistogram {
  return hdr.decodeFromCompressedBase64(encoded, 64, false);
}

/** The percentile spectrum of `h` for plots: [percentile, milliseconds] at HdrHistogram's log-spaced ticks. */
export function spectrum(h: LatencyHistogram): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (h.totalCount === 0) return out;
  for (const p of [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100]) out.push([p, ms(h.getValueAtPercentile(p))]);
  return out;
}
