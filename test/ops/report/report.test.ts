import { describe, expect, it } from "vitest"
import { band, outside } from "../../../src/ops/report/Baseline.ts"
import { buildMonitoringReport, renderReport } from "../../../src/ops/report/MonitoringReport.ts"
import { FROM, knownDay, UNTIL } from "./fixture.ts"

describe("baseline band", () => {
  it("mean ± 2σ, flags values outside; no band under three values; a constant series flags nothing", () => {
    const b = band([10, 10, 10, 40])!
    expect(b.mean).toBe(17.5)
    expect(b.sd).toBeCloseTo(12.99, 2)
    expect(outside(b, 40)).toBe(null) // 40 < 17.5 + 2σ = 43.5: four values are too few to call it abnormal
    const day = band([...Array(23).fill(10), 40])!
    expect(outside(day, 40)).toBe("above")
    expect(outside(day, 10)).toBe(null)
    expect(band([1, 2])).toBe(null)
    expect(outside(band([5, 5, 5]), 5)).toBe(null)
  })
})

describe("monitoring report from known events", () => {
  const report = buildMonitoringReport({ until: UNTIL, hours: 24, events: knownDay() })

  it("counts, success rate per window, throughput", () => {
    expect(report.from).toBe(FROM)
    expect(report.jobs).toEqual({ enqueued: 270, committed: 270, dead: 2, retries: 0, rejectedDrafts: 0 })
    expect(report.success.map((w) => [w.hours, w.committed, w.dead, w.rate === null ? null : Number(w.rate.toFixed(4))])).toEqual([
      [1, 10, 2, 0.8333],
      [6, 60, 2, 0.9677],
      [24, 270, 2, 0.9926],
    ])
    expect(report.throughputPerHour).toBe(11.25)
  })

  it("latency per stage and per job", () => {
    expect(report.stages.map((s) => [s.stage, s.latency.count, s.failures, s.latency.p50, s.latency.p95, s.latency.p99, s.latency.max])).toEqual([
      ["writer", 100, 3, 50, 95, 99, 100],
      ["guard", 10, 0, 5, 5, 5, 5],
    ])
    expect([report.jobLatency.count, report.jobLatency.p50, report.jobLatency.p95, report.jobLatency.p99]).toEqual([270, 1000, 3000, 3000])
  })

  it("hourly baselines flag the spike hour and the dead hour, nothing else", () => {
    expect(report.baselines.throughput!.mean).toBe(11.25)
    expect(report.baselines.throughput!.sd).toBeCloseTo(5.995, 3)
    const flagged = report.hourly.map((h, i) => [i, h.flags] as const).filter(([, f]) => f.length > 0)
    expect(flagged).toEqual([
      [13, ["throughput above", "job p95 above"]],
      [23, ["dead above"]],
    ])
  })

  it("restarts, crash recoveries, breaker outages and alerts with their durations", () => {
    expect(report.restarts).toEqual({ total: 4, escalations: 0, byChild: [{ child: "factory/writer-1", count: 3 }, { child: "factory/writer-2", count: 1 }] })
    expect(report.crashes.map((c) => [c.child, (c.restartedAt ?? 0) - c.crashedAt, c.cause])).toEqual([["factory/writer-1", 5000, "Error: boom"]])
    expect(report.breakers.map((b) => [b.breaker, b.closedAt === null ? null : b.closedAt - b.openedAt!])).toEqual([["llm", 42_500], ["queue", null]])
    expect(report.alerts.map((a) => [a.rule, a.resolvedAt === null ? null : a.resolvedAt - a.firedAt!])).toEqual([
      ["queue.depth-critical", 15 * 60_000],
      ["finance.daily-budget", null],
    ])
  })

  it("renders those numbers as Markdown", () => {
    const md = renderReport(report)
    expect(md).toContain("# Monitoring report: 2025-01-05 00:00:00Z → 2025-01-06 00:00:00Z (24 h)")
    expect(md).toContain("- enqueued 270, committed 270, dead 2; retries 0, drafts rejected by the guard 0")
    expect(md).toContain("- throughput: 11.25 committed jobs/h")
    expect(md).toContain("| last 1 h | 10 | 2 | 83.3% |")
    expect(md).toContain("| last 6 h | 60 | 2 | 96.8% |")
    expect(md).toContain("| last 24 h | 270 | 2 | 99.3% |")
    expect(md).toContain("| writer | 100 | 3 | 50.0 ms | 95.0 ms | 99.0 ms | 100 ms |")
    expect(md).toContain("| job (claim → commit) | 270 | – | 1.00 s | 3.00 s | 3.00 s | 3.00 s |")
    expect(md).toContain("- committed/h: mean 11.25, σ 5.99, normal band 0 … 23.24")
    expect(md).toContain("| 2025-01-05 13:00 | 40 | 40 | 0 | 3.00 s | 0 | ⚠ throughput above, job p95 above |")
    expect(md).toContain("| 2025-01-05 23:00 | 10 | 10 | 2 | 1.00 s | 0 | ⚠ dead above |")
    expect(md).toContain("| 2025-01-05 08:00 | 10 | 10 | 0 | 1.00 s | 3 |  |")
    expect(md).toContain("- supervised restarts: 4; escalations: 0")
    expect(md).toContain("  - factory/writer-1: 3")
    expect(md).toContain("| factory/writer-1 | 2025-01-05 08:00:00Z | 2025-01-05 08:00:05Z | 5.00 s | Error: boom |")
    expect(md).toContain("| llm | 2025-01-05 10:00:00Z | 2025-01-05 10:00:42Z | 42.5 s | 5 failures |")
    expect(md).toContain("| queue | 2025-01-05 23:30:00Z | still open | 30 min+ (ongoing) | redis down |")
    expect(md).toContain("2 fired, 1 still firing at the end of the window.")
    expect(md).toContain("| queue.depth-critical | 2025-01-05 12:00:00Z | 2025-01-05 12:15:00Z | 15 min | 25 jobs queued, above the critical depth of 20 |")
    expect(md).toContain("| finance.daily-budget | 2025-01-05 23:00:00Z | still firing | 60 min+ (ongoing) | daily LLM budget of $5.00 reached |")
  })

  it("a report shorter than a success window leaves that window out; an empty journal renders", () => {
    const short = buildMonitoringReport({ until: UNTIL, hours: 3, events: knownDay() })
    expect(short.success.map((w) => w.hours)).toEqual([1, 3])
    const empty = renderReport(buildMonitoringReport({ until: UNTIL, hours: 2, events: [] }))
    expect(empty).toContain("| last 2 h | 0 | 0 | – |")
    expect(empty).toContain("No stage finished in this window.")
    expect(empty).toContain("No breaker opened.")
    expect(empty).toContain("No alert fired.")
    expect(empty).toContain("- committed/h: not enough data for a band")
  })
})

describe("monitoring report after the journal lost events", () => {
  it("counts what the store and the queue hold, and says how many commits and deaths the journal missed", () => {
    const events = knownDay()
    const commits = events.flatMap((e) => (e._tag === "JobCommitted" ? [{ at: e.at, job: e.job }] : []))
    const deaths = events.flatMap((e) => (e._tag === "JobDead" ? [{ at: e.at, job: e.job }] : []))
    // A full disk: the journal lost every commit of hour 13 and one death.
    const lost = new Set(commits.filter((c) => c.at >= FROM + 13 * 3_600_000 && c.at < FROM + 14 * 3_600_000).map((c) => c.job))
    const journal = events.filter((e) => !(e._tag === "JobCommitted" && lost.has(e.job)) && !(e._tag === "JobDead" && e.job === "d2"))
    const fromJournal = buildMonitoringReport({ until: UNTIL, hours: 24, events: journal })
    expect(fromJournal.jobs.committed).toBe(230)
    expect(fromJournal.journalMissed).toBe(null)

    const report = buildMonitoringReport({ until: UNTIL, hours: 24, events: journal, durable: { commits, deaths } })
    expect(report.jobs).toMatchObject({ committed: 270, dead: 2 })
    expect(report.journalMissed).toEqual({ committed: 40, dead: 1 })
    expect(report.hourly[13]!.committed).toBe(40)
    expect(report.success.at(-1)).toMatchObject({ committed: 270, dead: 2 })
    expect(renderReport(report)).toContain("the journal missed 40 commits and 1 deaths")
    expect(renderReport(buildMonitoringReport({ until: UNTIL, hours: 24, events, durable: { commits, deaths } })))
      .toContain("the journal holds every one of them")
  })
})
