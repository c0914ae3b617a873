import { type FactoryEvent, PipelineStage } from "../../events/FactoryEvent.ts"
import { type CurrencyReport, formatMinor } from "../../finance/CurrencyReport.ts"
import { formatAge } from "../alerts/Rules.ts"
import { type LatencySummary, summarizeLatencies } from "../load/Summary.ts"
import { formatMs, formatPercent } from "../../util/Units.ts"
import { type Band, band, outside } from "./Baseline.ts"

/**
 * The monitoring report: a pure function from a recorded event journal (plus backups and the
 * ledger's days) to numbers (`buildReport`), and from numbers to Markdown (`renderReport`).
 * The `report` command gathers the inputs; tests give known events and assert the numbers.
 */

export interface BackupEntry {
  readonly id: string
  readonly createdAt: number
  readonly durationMs: number
  readonly bytes: number
}

export interface ReportInput {
  /** End of the window (exclusive), epoch ms. */
  readonly until: number
  readonly hours: number
  /** The journal's events within the window (any order). */
  readonly events: ReadonlyArray<FactoryEvent>
  /** Journal rows that did not decode. */
  readonly skipped?: number
  /** Success-rate windows ending at `until` (default 1, 6, 24 h; those longer than the report are left out). */
  readonly successWindowsHours?: ReadonlyArray<number>
  readonly backups?: { readonly location: string; readonly all: ReadonlyArray<BackupEntry> } | { readonly error: string } | undefined
  readonly finance?: CurrencyReport | { readonly _tag: "Unavailable"; readonly error: string } | undefined
  /**
   * Commits and deaths as the story store and the queue hold them (durable truth). When given, the
   * job counts, the hourly table and the success rates count them too, not only the journal's — which
   * misses events whose write failed (a full disk) — and the report says how many it missed.
   */
  readonly durable?: {
    readonly commits: ReadonlyArray<{ readonly at: number; readonly job: string }>
    readonly deaths: ReadonlyArray<{ readonly at: number; readonly job: string }>
  } | undefined
}

export interface SuccessWindow {
  readonly hours: number
  readonly committed: number
  readonly dead: number
  /** Null when no job finished in the window. */
  readonly rate: number | null
}

export interface HourRow {
  readonly start: number
  readonly committed: number
  readonly dead: number
  readonly enqueued: number
  /** p95 of the claim-to-commit durations committed this hour (NaN when none). */
  readonly jobP95Ms: number
  readonly restarts: number
  /** Metrics of this hour outside their band, e.g. `throughput above`. */
  readonly flags: ReadonlyArray<string>
}

export interface StageRow {
  readonly stage: PipelineStage
  readonly failures: number
  readonly latency: LatencySummary
}

export interface CrashRecovery {
  readonly child: string
  readonly crashedAt: number
  /** When it was running again; null when it was not restarted within the window. */
  readonly restartedAt: number | null
  readonly cause: string
}

export interface BreakerRecovery {
  readonly breaker: string
  /** Null when it opened before the window. */
  readonly openedAt: number | null
  /** Null when still open at the end of the window. */
  readonly closedAt: number | null
  readonly reason: string | null
}

export interface AlertEpisode {
  readonly rule: string
  /** Null when it was firing since before the window. */
  readonly firedAt: number | null
  readonly resolvedAt: number | null
  readonly message: string
}

export interface MonitoringReport {
  readonly from: number
  readonly until: number
  readonly hours: number
  readonly events: number
  readonly skipped: number
  readonly jobs: { readonly enqueued: number; readonly committed: number; readonly dead: number; readonly retries: number; readonly rejectedDrafts: number }
  /** Commits and deaths the store and the queue hold but the journal lacks (only with `durable`). */
  readonly journalMissed: { readonly committed: number; readonly dead: number } | null
  readonly success: ReadonlyArray<SuccessWindow>
  /** Committed jobs per hour over the whole window. */
  readonly throughputPerHour: number
  readonly hourly: ReadonlyArray<HourRow>
  readonly baselines: { readonly throughput: Band | null; readonly dead: Band | null; readonly jobP95: Band | null }
  readonly stages: ReadonlyArray<StageRow>
  readonly jobLatency: LatencySummary
  readonly restarts: { readonly total: number; readonly escalations: number; readonly byChild: ReadonlyArray<{ readonly child: string; readonly count: number }> }
  readonly crashes: ReadonlyArray<CrashRecovery>
  readonly breakers: ReadonlyArray<BreakerRecovery>
  readonly intakePauses: ReadonlyArray<{ readonly pausedAt: number | null; readonly resumedAt: number | null }>
  readonly alerts: ReadonlyArray<AlertEpisode>
  readonly backups: ReportInput["backups"]
  readonly finance: ReportInput["finance"]
}

const HOUR = 3_600_000
const STAGES: ReadonlyArray<PipelineStage> = PipelineStage.literals

const childName = (e: { readonly supervisor: string; readonly child: string }) => `${e.supervisor}/${e.child}`

export const buildMonitoringReport = (input: ReportInput): MonitoringReport => {
  const until = input.until
  const from = until - input.hours * HOUR
  const events = input.events.filter((e) => e.at >= from && e.at < until).sort((a, b) => a.at - b.at)
  const of = <T extends FactoryEvent["_tag"]>(tag: T) => events.filter((e): e is Extract<FactoryEvent, { _tag: T }> => e._tag === tag)

  const journalled = of("JobCommitted")
  const journalledDead = of("JobDead")
  // What counts is what happened: the durable record joined with the journal's (by job), so that
  // neither a journal that missed writes nor a store restored without its journal undercounts.
  const inWindow = <E extends { readonly at: number }>(list: ReadonlyArray<E>) => list.filter((e) => e.at >= from && e.at < until)
  const union = (stored: ReadonlyArray<{ readonly at: number; readonly job: string }>, seen: ReadonlyArray<{ readonly at: number; readonly job: string }>) => {
    const ids = new Set(stored.map((e) => e.job))
    return [...stored, ...seen.filter((e) => !ids.has(e.job))]
  }
  const committed: ReadonlyArray<{ readonly at: number }> = input.durable ? union(inWindow(input.durable.commits), journalled) : journalled
  const dead: ReadonlyArray<{ readonly at: number }> = input.durable ? union(inWindow(input.durable.deaths), journalledDead) : journalledDead
  const missed = (stored: ReadonlyArray<{ readonly job: string }>, seen: ReadonlyArray<{ readonly job: string }>) => {
    const ids = new Set(seen.map((e) => e.job))
    return stored.filter((e) => !ids.has(e.job)).length
  }
  const journalMissed = input.durable
    ? { committed: missed(inWindow(input.durable.commits), journalled), dead: missed(inWindow(input.durable.deaths), journalledDead) }
    : null
  const enqueued = of("JobEnqueued")
  const restarting = of("ChildRestarting")

  const windows = [...new Set([...(input.successWindowsHours ?? [1, 6, 24]).filter((h) => h < input.hours), input.hours])].sort((a, b) => a - b)
  const success = windows.map((hours): SuccessWindow => {
    const start = until - hours * HOUR
    const c = committed.filter((e) => e.at >= start).length
    const d = dead.filter((e) => e.at >= start).length
    return { hours, committed: c, dead: d, rate: c + d === 0 ? null : c / (c + d) }
  })

  const hourOf = (at: number) => Math.floor((at - from) / HOUR)
  const hourly = Array.from({ length: input.hours }, (_, i) => {
    const inHour = <E extends { readonly at: number }>(list: ReadonlyArray<E>) => list.filter((e) => hourOf(e.at) === i)
    return {
      start: from + i * HOUR,
      committed: inHour(committed).length,
      dead: inHour(dead).length,
      enqueued: inHour(enqueued).length,
      jobP95Ms: summarizeLatencies(inHour(journalled).map((e) => e.durationMs)).p95,
      restarts: inHour(restarting).length,
    }
  })
  const throughputBand = band(hourly.map((h) => h.committed))
  const deadBand = band(hourly.map((h) => h.dead))
  const p95Band = band(hourly.filter((h) => Number.isFinite(h.jobP95Ms)).map((h) => h.jobP95Ms))
  const flagged: Array<HourRow> = hourly.map((h) => {
    const flags: Array<string> = []
    const t = outside(throughputBand, h.committed)
    if (t) flags.push(`throughput ${t}`)
    const d = outside(deadBand, h.dead)
    if (d) flags.push(`dead ${d}`)
    const p = Number.isFinite(h.jobP95Ms) ? outside(p95Band, h.jobP95Ms) : null
    if (p) flags.push(`job p95 ${p}`)
    return { ...h, flags }
  })

  const stageEvents = of("StageFinished")
  const stages = STAGES.map((stage): StageRow => {
    const list = stageEvents.filter((e) => e.stage === stage)
    return { stage, failures: list.filter((e) => !e.ok).length, latency: summarizeLatencies(list.map((e) => e.ms)) }
  }).filter((s) => s.latency.count > 0)

  const byChild = new Map<string, number>()
  for (const e of restarting) byChild.set(childName(e), (byChild.get(childName(e)) ?? 0) + 1)

  // A crash (ChildExited failure) is recovered when the same child is started again.
  const crashes: Array<CrashRecovery> = []
  const openCrash = new Map<string, number>()
  for (const e of events) {
    if (e._tag === "ChildExited" && e.outcome === "failure") {
      openCrash.set(childName(e), crashes.length)
      crashes.push({ child: childName(e), crashedAt: e.at, restartedAt: null, cause: (e.cause ?? "").split("\n")[0]!.slice(0, 160) })
    } else if (e._tag === "ChildStarted") {
      const index = openCrash.get(childName(e))
      if (index !== undefined) {
        crashes[index] = { ...crashes[index]!, restartedAt: e.at }
        openCrash.delete(childName(e))
      }
    }
  }

  // A breaker's outage runs from its move to `open` (from closed) until it is `closed` again.
  const breakers: Array<BreakerRecovery> = []
  const openBreaker = new Map<string, number>()
  for (const e of of("BreakerChanged")) {
    const index = openBreaker.get(e.breaker)
    if (e.to === "open" && index === undefined) {
      openBreaker.set(e.breaker, breakers.length)
      breakers.push({ breaker: e.breaker, openedAt: e.at, closedAt: null, reason: e.reason })
    } else if (e.to === "closed") {
      if (index !== undefined) {
        breakers[index] = { ...breakers[index]!, closedAt: e.at }
        openBreaker.delete(e.breaker)
      } else {
        breakers.push({ breaker: e.breaker, openedAt: null, closedAt: e.at, reason: e.reason })
      }
    }
  }

  const intakePauses: Array<{ pausedAt: number | null; resumedAt: number | null }> = []
  for (const e of of("IntakeChanged")) {
    const last = intakePauses[intakePauses.length - 1]
    if (e.paused && (last === undefined || last.resumedAt !== null)) intakePauses.push({ pausedAt: e.at, resumedAt: null })
    else if (!e.paused) {
      if (last !== undefined && last.resumedAt === null) intakePauses[intakePauses.length - 1] = { ...last, resumedAt: e.at }
      else intakePauses.push({ pausedAt: null, resumedAt: e.at })
    }
  }

  const alerts: Array<AlertEpisode> = []
  const openAlert = new Map<string, number>()
  for (const e of of("Alert")) {
    const index = openAlert.get(e.rule)
    if (e.state === "firing" && index === undefined) {
      openAlert.set(e.rule, alerts.length)
      alerts.push({ rule: e.rule, firedAt: e.at, resolvedAt: null, message: e.message })
    } else if (e.state === "resolved") {
      if (index !== undefined) {
        alerts[index] = { ...alerts[index]!, resolvedAt: e.at }
        openAlert.delete(e.rule)
      } else {
        alerts.push({ rule: e.rule, firedAt: null, resolvedAt: e.at, message: e.message })
      }
    }
  }

  return {
    from,
    until,
    hours: input.hours,
    events: events.length,
    skipped: input.skipped ?? 0,
    jobs: {
      enqueued: enqueued.length,
      committed: committed.length,
      dead: dead.length,
      retries: of("JobRetrying").length,
      rejectedDrafts: of("JobRejected").length,
    },
    journalMissed,
    success,
    throughputPerHour: committed.length / input.hours,
    hourly: flagged,
    baselines: { throughput: throughputBand, dead: deadBand, jobP95: p95Band },
    stages,
    jobLatency: summarizeLatencies(journalled.map((e) => e.durationMs)),
    restarts: {
      total: restarting.length,
      escalations: of("SupervisorEscalated").length,
      byChild: [...byChild].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([child, count]) => ({ child, count })),
    },
    crashes,
    breakers,
    intakePauses,
    alerts,
    backups: input.backups,
    finance: input.finance,
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z")
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16)
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ")
const rate = (r: number | null) => (r === null ? "–" : formatPercent(r, 1))
const bandText = (b: Band | null, fmt: (n: number) => string) =>
  b === null ? "not enough data for a band" : `mean ${fmt(b.mean)}, σ ${fmt(b.sd)}, normal band ${fmt(Math.max(0, b.low))} … ${fmt(b.high)}`
const n2 = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2))
const duration = (ms: number) => (ms < 120_000 ? formatMs(ms) : formatAge(ms))
const span = (a: number | null, b: number | null, until: number) =>
  a === null ? "before the window" : b === null ? `${duration(until - a)}+ (ongoing)` : duration(b - a)
const MAX_ROWS = 50

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => [
  `| ${header.join(" | ")} |`,
  `|${header.map(() => "---").join("|")}|`,
  ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
]

/** The report as Markdown (UTC times). */
export const renderReport = (r: MonitoringReport): string => {
  const out: Array<string> = [
    `# Monitoring report: ${iso(r.from)} → ${iso(r.until)} (${r.hours} h)`,
    "",
    `Events in the journal for this window: ${r.events}${r.skipped > 0 ? ` (${r.skipped} unreadable rows left out)` : ""}.`,
    "",
    "## Jobs",
    "",
    `- enqueued ${r.jobs.enqueued}, committed ${r.jobs.committed}, dead ${r.jobs.dead}; retries ${r.jobs.retries}, drafts rejected by the guard ${r.jobs.rejectedDrafts}`,
    `- throughput: ${n2(r.throughputPerHour)} committed jobs/h`,
    ...(r.journalMissed === null
      ? []
      : r.journalMissed.committed + r.journalMissed.dead === 0
      ? ["- counts from the story store and the queue; the journal holds every one of them"]
      : [
        `- counts from the story store and the queue: the journal missed ${r.journalMissed.committed} commits and ${r.journalMissed.dead} deaths ` +
        "(its writes failed — a full disk?); latencies and events below cover only what it holds",
      ]),
    "",
    "### Success rate (committed ÷ finished)",
    "",
    ...table(["window", "committed", "dead", "success rate"], r.success.map((w) => [`last ${w.hours} h`, String(w.committed), String(w.dead), rate(w.rate)])),
    "",
    "## Latency",
    "",
    ...(r.stages.length === 0 && r.jobLatency.count === 0
      ? ["No stage finished in this window."]
      : table(
        ["stage", "count", "failed", "p50", "p95", "p99", "max"],
        [
          ...r.stages.map((s) => [s.stage, String(s.latency.count), String(s.failures), formatMs(s.latency.p50), formatMs(s.latency.p95), formatMs(s.latency.p99), formatMs(s.latency.max)]),
          ...(r.jobLatency.count > 0
            ? [["job (claim → commit)", String(r.jobLatency.count), "–", formatMs(r.jobLatency.p50), formatMs(r.jobLatency.p95), formatMs(r.jobLatency.p99), formatMs(r.jobLatency.max)]]
            : []),
        ],
      )),
    "",
    "## Hourly throughput and baselines",
    "",
    `Baselines are mean ± 2σ over the ${r.hours} hourly values of this window; an hour outside its band is flagged ⚠.`,
    "",
    `- committed/h: ${bandText(r.baselines.throughput, n2)}`,
    `- dead/h: ${bandText(r.baselines.dead, n2)}`,
    `- job p95/h: ${bandText(r.baselines.jobP95, formatMs)}`,
    "",
    ...table(
      ["hour (UTC)", "enqueued", "committed", "dead", "job p95", "restarts", "flags"],
      r.hourly.map((h) => [
        `${iso(h.start).slice(0, 10)} ${hhmm(h.start)}`,
        String(h.enqueued),
        String(h.committed),
        String(h.dead),
        formatMs(h.jobP95Ms),
        String(h.restarts),
        h.flags.length === 0 ? "" : `⚠ ${h.flags.join(", ")}`,
      ]),
    ),
    "",
    "## Restarts and recoveries",
    "",
    `- supervised restarts: ${r.restarts.total}; escalations: ${r.restarts.escalations}`,
    ...r.restarts.byChild.slice(0, MAX_ROWS).map((c) => `  - ${c.child}: ${c.count}`),
    "",
  ]
  if (r.crashes.length > 0) {
    const recovered = r.crashes.filter((c) => c.restartedAt !== null)
    const downs = summarizeLatencies(recovered.map((c) => c.restartedAt! - c.crashedAt))
    out.push(
      `### Crashes (${r.crashes.length}; ${recovered.length} restarted${recovered.length > 0 ? `, down p50 ${formatMs(downs.p50)}, max ${formatMs(downs.max)}` : ""})`,
      "",
      ...table(
        ["child", "crashed", "running again", "down for", "cause"],
        r.crashes.slice(-MAX_ROWS).map((c) => [c.child, iso(c.crashedAt), c.restartedAt === null ? "–" : iso(c.restartedAt), c.restartedAt === null ? "not restarted in the window" : formatMs(c.restartedAt - c.crashedAt), c.cause]),
      ),
      "",
    )
  }
  out.push(
    "### Dependency outages (circuit breaker open → closed)",
    "",
    ...(r.breakers.length === 0
      ? ["No breaker opened."]
      : table(
        ["breaker", "opened", "closed", "recovered in", "reason"],
        r.breakers.slice(-MAX_ROWS).map((b) => [b.breaker, b.openedAt === null ? "before the window" : iso(b.openedAt), b.closedAt === null ? "still open" : iso(b.closedAt), span(b.openedAt, b.closedAt, r.until), b.reason ?? ""]),
      )),
    "",
  )
  if (r.intakePauses.length > 0) {
    out.push(
      "### Intake pauses",
      "",
      ...table(["paused", "resumed", "for"], r.intakePauses.map((p) => [p.pausedAt === null ? "before the window" : iso(p.pausedAt), p.resumedAt === null ? "still paused" : iso(p.resumedAt), span(p.pausedAt, p.resumedAt, r.until)])),
      "",
    )
  }
  out.push(
    "## Alerts",
    "",
    ...(r.alerts.length === 0
      ? ["No alert fired."]
      : [
        `${r.alerts.filter((a) => a.firedAt !== null).length} fired, ${r.alerts.filter((a) => a.resolvedAt === null).length} still firing at the end of the window.`,
        "",
        ...table(
          ["rule", "fired", "resolved", "lasted", "message"],
          r.alerts.slice(-MAX_ROWS).map((a) => [a.rule, a.firedAt === null ? "before the window" : iso(a.firedAt), a.resolvedAt === null ? "still firing" : iso(a.resolvedAt), span(a.firedAt, a.resolvedAt, r.until), a.message]),
        ),
      ]),
    "",
    "## Backups",
    "",
  )
  const b = r.backups
  if (b === undefined) out.push("Backups were not read.")
  else if ("error" in b) out.push(`Backups could not be read: ${b.error}`)
  else {
    const inWindow = b.all.filter((m) => m.createdAt >= r.from && m.createdAt < r.until)
    const latest = b.all.reduce<BackupEntry | undefined>((l, m) => (l === undefined || m.createdAt > l.createdAt ? m : l), undefined)
    out.push(
      `- location: ${b.location}`,
      latest === undefined ? "- no backup at all" : `- latest: ${latest.id}, taken ${iso(latest.createdAt)} (${formatAge(Math.max(0, r.until - latest.createdAt))} before the end of the window)`,
      `- taken in this window: ${inWindow.length}`,
    )
    if (inWindow.length > 0) {
      out.push("", ...table(["backup", "taken", "took", "size"], inWindow.slice(-MAX_ROWS).map((m) => [m.id, iso(m.createdAt), formatMs(m.durationMs), `${(m.bytes / 1024).toFixed(1)} KiB`])))
    }
  }
  const f = r.finance
  out.push("", `## Cost vs sales (UTC days overlapping the window${f !== undefined && f._tag !== "Unavailable" ? `, ${f.currency}` : ""})`, "")
  if (f === undefined) out.push("No ledger was read.")
  else if (f._tag === "Unavailable") out.push(`The ledger could not be read: ${f.error}`)
  else if (f._tag === "MissingRates") out.push(`Amounts cannot be converted to ${f.currency}: set finance.rates (${f.keys.join(", ")}).`)
  else if (f.rows.length === 0) out.push("No LLM calls and no sales on these days.")
  else {
    const money = (minor: bigint) => `${formatMinor(minor, f.digits)} ${f.currency}`
    out.push(
      ...table(
        ["day", "LLM calls", "cost", "sales (net)", "profit"],
        [
          ...f.rows.map((d) => [d.date, String(d.calls), money(d.cost), money(d.sales), money(d.profit)]),
          ["total", String(f.totals.calls), money(f.totals.cost), money(f.totals.sales), money(f.totals.profit)],
        ],
      ),
    )
    if (f.ratesUsed.length > 0) out.push("", `Converted with ${f.ratesUsed.join(", ")}.`)
  }
  return out.join("\n") + "\n"
}
