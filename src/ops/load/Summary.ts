import { formatMs, formatPercent } from "../../util/Units.ts"
import { percentile } from "../../util/Stats.ts"

/** What one request of a load test did. Times are ms from the start of the run. */
export interface LoadSample {
  readonly seq: number
  readonly kind: string
  readonly method: string
  readonly path: string
  /** When the request was due to be sent (the open model's schedule). */
  readonly intendedMs: number
  /** When it was actually sent (later than intended when the client itself stalled). */
  readonly sentMs: number
  /**
   * From the *intended* send time to the end of the response: a server stall delays every
   * request scheduled behind it, and that delay is counted (no coordinated omission).
   */
  readonly latencyMs: number
  /** From the actual send to the end of the response (what a closed-loop tool would report). */
  readonly serviceMs: number
  /** HTTP status, or 0 when no response came (refused, reset, timed out, not sent). */
  readonly status: number
  readonly ok: boolean
  readonly error: string | null
}


export interface LatencySummary {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

export const summarizeLatencies = (values: ReadonlyArray<number>): LatencySummary => {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
    mean: sorted.length === 0 ? Number.NaN : sorted.reduce((a, b) => a + b, 0) / sorted.length,
  }
}

export interface LoadSummary {
  readonly url: string
  readonly targetRps: number
  readonly durationMs: number
  /** Requests scheduled (rps × duration). */
  readonly requests: number
  readonly ok: number
  readonly errors: number
  readonly errorRate: number
  /** Over every request, errors included (a timed-out request counts its timeout). */
  readonly latency: LatencySummary
  readonly service: LatencySummary
  /** Successful responses per second of wall time (first intended send → last response). */
  readonly throughputRps: number
  readonly wallMs: number
  readonly byKind: ReadonlyArray<{ readonly kind: string; readonly requests: number; readonly errors: number; readonly latency: LatencySummary }>
  readonly byStatus: ReadonlyArray<{ readonly status: number; readonly count: number }>
  /** The most frequent error messages, with their counts. */
  readonly topErrors: ReadonlyArray<{ readonly error: string; readonly count: number }>
}

export const summarize = (
  samples: ReadonlyArray<LoadSample>,
  run: { readonly url: string; readonly targetRps: number; readonly durationMs: number },
): LoadSummary => {
  const ok = samples.filter((s) => s.ok).length
  const errors = samples.length - ok
  const wallMs = samples.reduce((end, s) => Math.max(end, s.intendedMs + s.latencyMs), 0)
  const kinds = [...new Set(samples.map((s) => s.kind))].sort()
  const statuses = new Map<number, number>()
  for (const s of samples) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1)
  const errorCounts = new Map<string, number>()
  for (const s of samples) {
    if (s.ok) continue
    const key = s.error ?? `HTTP ${s.status}`
    errorCounts.set(key, (errorCounts.get(key) ?? 0) + 1)
  }
  return {
    ...run,
    requests: samples.length,
    ok,
    errors,
    errorRate: samples.length === 0 ? 0 : errors / samples.length,
    latency: summarizeLatencies(samples.map((s) => s.latencyMs)),
    service: summarizeLatencies(samples.map((s) => s.serviceMs)),
    throughputRps: wallMs > 0 ? ok / (wallMs / 1000) : 0,
    wallMs,
    byKind: kinds.map((kind) => {
      const of = samples.filter((s) => s.kind === kind)
      return { kind, requests: of.length, errors: of.filter((s) => !s.ok).length, latency: summarizeLatencies(of.map((s) => s.latencyMs)) }
    }),
    byStatus: [...statuses].sort((a, b) => a[0] - b[0]).map(([status, count]) => ({ status, count })),
    topErrors: [...errorCounts].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([error, count]) => ({ error, count })),
  }
}

/** The service level objectives a run is gated on; each names the flag that set it. */
export interface Slos {
  readonly p95Ms: number
  readonly p99Ms?: number | undefined
  /** Fraction, e.g. 0.01. */
  readonly maxErrorRate: number
  readonly minRequests: number
}

export interface SloResult {
  readonly name: string
  readonly flag: string
  readonly objective: string
  readonly actual: string
  readonly ok: boolean
}

/** Every SLO with its verdict. An empty run fails the latency SLOs (nothing was shown to hold). */
export const checkSlos = (summary: LoadSummary, slos: Slos): ReadonlyArray<SloResult> => {
  const latency = (name: string, flag: string, actual: number, limit: number): SloResult => ({
    name,
    flag,
    objective: `≤ ${formatMs(limit)}`,
    actual: formatMs(actual),
    ok: Number.isFinite(actual) && actual <= limit,
  })
  const results: Array<SloResult> = [latency("p95 latency", "--slo-p95", summary.latency.p95, slos.p95Ms)]
  if (slos.p99Ms !== undefined) results.push(latency("p99 latency", "--slo-p99", summary.latency.p99, slos.p99Ms))
  results.push({
    name: "error rate",
    flag: "--max-error",
    objective: `≤ ${formatPercent(slos.maxErrorRate)}`,
    actual: `${formatPercent(summary.errorRate)} (${summary.errors}/${summary.requests})`,
    ok: summary.errorRate <= slos.maxErrorRate,
  })
  results.push({
    name: "requests",
    flag: "--min-requests",
    objective: `≥ ${slos.minRequests}`,
    actual: String(summary.requests),
    ok: summary.requests >= slos.minRequests,
  })
  return results
}

const csvCell = (value: string | number | boolean | null): string => {
  if (value === null) return ""
  const text = typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toFixed(3)) : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export const CSV_HEADER = "seq,kind,method,path,intended_ms,sent_ms,latency_ms,service_ms,status,ok,error"

/** One row per request, in send order. */
export const samplesCsv = (samples: ReadonlyArray<LoadSample>): string =>
  [
    CSV_HEADER,
    ...samples.map((s) =>
      [s.seq, s.kind, s.method, s.path, s.intendedMs, s.sentMs, s.latencyMs, s.serviceMs, s.status, s.ok, s.error].map(csvCell).join(",")
    ),
  ].join("\n") + "\n"

const mdCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ")

/** The run as a Markdown page: verdict, SLO table, latency, per-kind and per-status breakdowns. */
export const summaryMarkdown = (summary: LoadSummary, slos: ReadonlyArray<SloResult>, startedAtIso: string): string => {
  const pass = slos.every((s) => s.ok)
  const lines = [
    `# Load test: ${pass ? "PASS ✅" : "FAIL ❌"}`,
    "",
    `- target: ${summary.url}`,
    `- started: ${startedAtIso}`,
    `- schedule: ${summary.targetRps} req/s for ${formatMs(summary.durationMs)} (open model: requests sent at their intended times, latency measured from the intended time)`,
    `- requests: ${summary.requests} (${summary.ok} ok, ${summary.errors} errors, ${formatPercent(summary.errorRate)})`,
    `- throughput: ${summary.throughputRps.toFixed(2)} successful req/s over ${formatMs(summary.wallMs)}`,
    "",
    "## SLOs",
    "",
    "| SLO | flag | objective | actual | verdict |",
    "|---|---|---|---|---|",
    ...slos.map((s) => `| ${s.name} | \`${s.flag}\` | ${s.objective} | ${s.actual} | ${s.ok ? "✅ pass" : "❌ fail"} |`),
    "",
    "## Latency",
    "",
    "| measure | count | p50 | p95 | p99 | max | mean |",
    "|---|---|---|---|---|---|---|",
    ...[["from intended send (gated)", summary.latency], ["service time (from actual send)", summary.service]].map(([name, l]) => {
      const s = l as LatencySummary
      return `| ${name} | ${s.count} | ${formatMs(s.p50)} | ${formatMs(s.p95)} | ${formatMs(s.p99)} | ${formatMs(s.max)} | ${formatMs(s.mean)} |`
    }),
    "",
    "## By request kind",
    "",
    "| kind | requests | errors | p50 | p95 | p99 |",
    "|---|---|---|---|---|---|",
    ...summary.byKind.map((k) => `| ${k.kind} | ${k.requests} | ${k.errors} | ${formatMs(k.latency.p50)} | ${formatMs(k.latency.p95)} | ${formatMs(k.latency.p99)} |`),
    "",
    "## By status",
    "",
    "| status | count |",
    "|---|---|",
    ...summary.byStatus.map((s) => `| ${s.status === 0 ? "no response" : s.status} | ${s.count} |`),
  ]
  if (summary.topErrors.length > 0) {
    lines.push("", "## Errors", "", "| error | count |", "|---|---|", ...summary.topErrors.map((e) => `| ${mdCell(e.error)} | ${e.count} |`))
  }
  return lines.join("\n") + "\n"
}
