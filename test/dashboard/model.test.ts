import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  activeAlerts,
  actorRows,
  append,
  boundedLog,
  type DashEvent,
  decodeSupervisor,
  filterLog,
  fold,
  formatDuration,
  initialState,
  latencyTable,
  logEntries,
  logSize,
  type ModelInput,
  percentile,
  queueLevel,
  ratePerMinute,
  type StatusSnapshot,
  step,
  throughputSeries,
} from "../../src/dashboard/Model.ts"

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0)
const ev = (event: DashEvent): ModelInput => ({ _tag: "Event", event, key: JSON.stringify(event) })

const status = (overrides: Partial<StatusSnapshot> = {}): StatusSnapshot => ({
  mode: "embedded",
  uptimeMs: 10_000,
  paused: false,
  queue: { queued: 0, inFlight: 0, committed: 0, dead: 0, skipped: 0, held: 0 },
  dependencies: [{ name: "llm", state: "closed" }],
  supervision: null,
  writer: null,
  ...overrides,
})

describe("percentiles", () => {
  it("uses the nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i) // 100 … 1, unsorted
    expect(percentile(xs, 50)).toBe(50)
    expect(percentile(xs, 95)).toBe(95)
    expect(percentile(xs, 100)).toBe(100)
    expect(percentile([7], 95)).toBe(7)
    expect(percentile([1, 2, 3, 4], 50)).toBe(2)
    expect(Number.isNaN(percentile([], 50))).toBe(true)
  })

  it("property: p50 ≤ p95, both samples, and order does not matter", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 200 }), (xs) => {
        const p50 = percentile(xs, 50)
        const p95 = percentile(xs, 95)
        expect(p50).toBeLessThanOrEqual(p95)
        expect(xs).toContain(p50)
        expect(percentile([...xs].reverse(), 95)).toBe(p95)
        const below = xs.filter((x) => x <= p95).length
        expect(below / xs.length).toBeGreaterThanOrEqual(0.95)
      }),
    )
  })

  it("computes p50/p95 per stage from StageFinished events", () => {
    const inputs: Array<ModelInput> = []
    for (let i = 1; i <= 20; i++) {
      inputs.push(ev({ _tag: "StageFinished", at: T0 + i, job: `p:${i}`, stage: "writer", ms: i * 100, ok: true }))
      inputs.push(ev({ _tag: "StageFinished", at: T0 + i, job: `p:${i}`, stage: "guard", ms: i, ok: i !== 3 }))
    }
    const table = latencyTable(fold(initialState(), inputs))
    expect(table.map((r) => r.stage)).toEqual(["writer", "guard", "editor"])
    expect(table[0]).toMatchObject({ stage: "writer", count: 20, p50: 1000, p95: 1900 })
    expect(table[1]).toMatchObject({ stage: "guard", count: 20, p50: 10, p95: 19, failures: 1 })
    expect(table[2]!.count).toBe(0)
    expect(Number.isNaN(table[2]!.p50)).toBe(true)
  })

  it("keeps only the last 500 samples of a stage", () => {
    const state = initialState()
    for (let i = 0; i < 600; i++) step(state, ev({ _tag: "StageFinished", at: T0 + i, job: `j${i}`, stage: "editor", ms: i < 100 ? 1_000_000 : 10, ok: true }))
    const editor = latencyTable(state).find((r) => r.stage === "editor")!
    expect(editor.count).toBe(500)
    expect(editor.p95).toBe(10)
  })
})

describe("throughput", () => {
  it("buckets committed and dead episodes per minute over the last hour", () => {
    const inputs: Array<ModelInput> = [
      ev({ _tag: "JobCommitted", at: T0 - 90 * 60_000, job: "old", project: "p", episode: 1, durationMs: 1, reward: 1 }), // older than the hour
      ev({ _tag: "JobCommitted", at: T0 - 59 * 60_000 + 5, job: "a", project: "p", episode: 2, durationMs: 1, reward: 1 }),
      ev({ _tag: "JobCommitted", at: T0 + 1_000, job: "b", project: "p", episode: 3, durationMs: 1, reward: 1 }),
      ev({ _tag: "JobCommitted", at: T0 + 59_000, job: "c", project: "p", episode: 4, durationMs: 1, reward: 1 }),
      ev({ _tag: "JobDead", at: T0 + 30_000, job: "d", project: "p", episode: 5, reason: "poison" }),
      ev({ _tag: "JobDead", at: T0 - 60_000, job: "e", project: "p", episode: 6, reason: "poison" }),
    ]
    const state = fold(initialState(), inputs)
    const series = throughputSeries(state, T0 + 30_000)
    expect(series.committed).toHaveLength(60)
    expect(series.minutesAgo[0]).toBe(59)
    expect(series.minutesAgo[59]).toBe(0)
    expect(series.committed[59]).toBe(2)
    expect(series.failed[59]).toBe(1)
    expect(series.failed[58]).toBe(1)
    expect(series.committed[0]).toBe(1)
    expect(series.committed.reduce((a, b) => a + b, 0)).toBe(3)
    expect(ratePerMinute(state, T0 + 30_000, 5)).toEqual({ committed: 2 / 5, failed: 2 / 5 })
    expect(state.totals).toMatchObject({ committed: 4, failed: 2 })
  })

  it("property: the hour's buckets count exactly the events of the last 60 minutes", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -120 * 60_000, max: 0 }), { maxLength: 300 }), (offsets) => {
        const now = T0 + 59_999
        const state = fold(
          initialState(),
          offsets.map((o, i) => ev({ _tag: "JobCommitted", at: now + o, job: `j${i}`, project: "p", episode: i + 1, durationMs: 1, reward: 1 })),
        )
        const series = throughputSeries(state, now)
        const inHour = offsets.filter((o) => Math.floor((now + o) / 60_000) > Math.floor(now / 60_000) - 60).length
        expect(series.committed.reduce((a, b) => a + b, 0)).toBe(inHour)
      }),
    )
  })
})

describe("recovery", () => {
  it("shows 'recovered in N s' when a breaker goes open → closed", () => {
    const state = fold(initialState(), [
      ev({ _tag: "BreakerChanged", at: T0, breaker: "llm", from: "closed", to: "open", reason: "503 from the provider" }),
      ev({ _tag: "BreakerChanged", at: T0 + 30_000, breaker: "llm", from: "open", to: "half-open", reason: null }),
      ev({ _tag: "BreakerChanged", at: T0 + 31_000, breaker: "llm", from: "half-open", to: "open", reason: "still down" }),
      ev({ _tag: "BreakerChanged", at: T0 + 42_000, breaker: "llm", from: "open", to: "half-open", reason: null }),
      ev({ _tag: "BreakerChanged", at: T0 + 42_500, breaker: "llm", from: "half-open", to: "closed", reason: null }),
    ])
    const lines = logEntries(state.recovery).map((e) => e.text)
    expect(lines).toHaveLength(5)
    expect(lines[0]).toContain("llm breaker closed → open (503 from the provider)")
    // Measured from the first opening, not the last re-opening.
    expect(lines[4]).toBe("✓ llm recovered in 43 s")
    expect(state.breakerOpenedAt.size).toBe(0)
  })

  it("logs crashes, restarts, escalations and 'back up after'", () => {
    const state = fold(initialState(), [
      ev({ _tag: "ChildStarted", at: T0, supervisor: "factory/writers", child: "writer-1" }),
      ev({ _tag: "ChildExited", at: T0 + 1_000, supervisor: "factory/writers", child: "writer-1", outcome: "failure", cause: "Error: boom\n  at x" }),
      ev({ _tag: "ChildRestarting", at: T0 + 1_000, supervisor: "factory/writers", child: "writer-1", attempt: 1, delayMs: 5_000 }),
      ev({ _tag: "ChildStarted", at: T0 + 6_200, supervisor: "factory/writers", child: "writer-1" }),
      ev({ _tag: "SupervisorEscalated", at: T0 + 7_000, supervisor: "factory/guards", cause: "too many restarts" }),
      ev({ _tag: "ChildExited", at: T0 + 8_000, supervisor: "factory", child: "metrics", outcome: "success", cause: null }),
    ])
    const recovery = logEntries(state.recovery)
    expect(recovery.map((e) => [e.level, e.text])).toEqual([
      ["error", "✗ factory/writers/writer-1 crashed: Error: boom"],
      ["warn", "↻ factory/writers/writer-1 restart #1 in 5.0s"],
      ["ok", "✓ factory/writers/writer-1 back up after 5 s"],
      ["error", "⚠ supervisor factory/guards escalated: too many restarts"],
    ])
    expect(logSize(state.events)).toBe(6)
  })

  it("tracks the connection: lost, retrying, reconnected after N s, server restarted", () => {
    const state = fold(initialState(), [
      { _tag: "Status", at: T0, status: status({ uptimeMs: 600_000 }) },
      { _tag: "Connected", at: T0 },
      ev({ _tag: "Alert", at: T0, rule: "queue-depth", state: "firing", message: "queue above 20" }),
      { _tag: "Disconnected", at: T0 + 1_000, reason: "connection refused", retryInMs: 500 },
      { _tag: "Disconnected", at: T0 + 1_600, reason: "connection refused", retryInMs: 1_000 },
    ])
    expect(state.connection).toMatchObject({ state: "disconnected", attempts: 2, since: T0 + 1_000, retryInMs: 1_000 })
    step(state, { _tag: "Status", at: T0 + 9_000, status: status({ uptimeMs: 1_500 }) })
    step(state, { _tag: "Connected", at: T0 + 9_000 })
    expect(state.connection.state).toBe("connected")
    const lines = logEntries(state.recovery).map((e) => e.text)
    expect(lines).toEqual([
      "✗ lost the server: connection refused",
      "↻ server restarted (uptime 10 m 00 s → 2 s)",
      "✓ reconnected to the server after 8 s",
    ])
    // The old process's alerts are gone with it.
    expect(activeAlerts(state)).toEqual([])
    // The same process a little later (uptime grew with the clock): no restart.
    step(state, { _tag: "Status", at: T0 + 20_000, status: status({ uptimeMs: 12_400 }) })
    expect(logSize(state.recovery)).toBe(3)
  })

  it("skips events replayed by the server after a reconnect", () => {
    const committed = ev({ _tag: "JobCommitted", at: T0, job: "p:1", project: "p", episode: 1, durationMs: 5, reward: 1 })
    const state = fold(initialState(), [committed, { _tag: "Disconnected", at: T0 + 1, reason: "x", retryInMs: 1 }, { _tag: "Connected", at: T0 + 2 }, committed])
    expect(state.totals.committed).toBe(1)
    expect(logSize(state.events)).toBe(1)
  })
})

describe("alerts", () => {
  it("keeps the alerts firing without a later resolved", () => {
    const state = fold(initialState(), [
      ev({ _tag: "Alert", at: T0, rule: "dead-letters", state: "firing", message: "3 dead" }),
      ev({ _tag: "Alert", at: T0 + 1, rule: "llm-down", state: "firing", message: "breaker open" }),
      ev({ _tag: "Alert", at: T0 + 2, rule: "dead-letters", state: "firing", message: "4 dead" }),
      ev({ _tag: "Alert", at: T0 + 3, rule: "llm-down", state: "resolved", message: "breaker closed" }),
      ev({ _tag: "Alert", at: T0 + 4, rule: "budget", state: "resolved", message: "never fired" }),
    ])
    expect(activeAlerts(state)).toEqual([{ rule: "dead-letters", message: "4 dead", since: T0 }])
  })

  it("property: a rule is active iff its last event is firing", () => {
    const alert = fc.record({ rule: fc.constantFrom("a", "b", "c"), firing: fc.boolean() })
    fc.assert(
      fc.property(fc.array(alert, { maxLength: 50 }), (alerts) => {
        const state = fold(
          initialState(),
          alerts.map((a, i) => ev({ _tag: "Alert", at: T0 + i, rule: a.rule, state: a.firing ? "firing" : "resolved", message: `${i}` })),
        )
        const last = new Map<string, boolean>()
        for (const a of alerts) last.set(a.rule, a.firing)
        const expected = [...last].filter(([, firing]) => firing).map(([rule]) => rule).sort()
        expect(activeAlerts(state).map((a) => a.rule).sort()).toEqual(expected)
      }),
    )
  })
})

describe("snapshots and the rest", () => {
  it("flattens the supervision tree into actor rows", () => {
    const supervision = decodeSupervisor({
        supervisor: "factory",
        status: "running",
        children: [
          { id: "metrics", state: "running", backoffRemainingMs: null, restarts: 0, lastError: null, subtree: null },
          {
            id: "writers",
            state: "running",
            backoffRemainingMs: null,
            restarts: 1,
            lastError: null,
            subtree: {
              supervisor: "factory/writers/writer",
              status: "running",
              children: [{ id: "writer-1", state: "backing-off", backoffRemainingMs: 4_000, restarts: 3, lastError: "Error: boom", subtree: null }],
            },
          },
        ],
    })
    expect(actorRows(supervision).map((r) => [r.path, r.state, r.restarts, r.backoffRemainingMs, r.depth])).toEqual([
      ["factory/metrics", "running", 0, null, 0],
      ["factory/writers", "running", 1, null, 0],
      ["factory/writers/writer/writer-1", "backing-off", 3, 4_000, 1],
    ])
    expect(decodeSupervisor({ nonsense: true })).toBeNull()
  })

  it("colours the queue depth by thresholds", () => {
    expect([0, 5, 6, 20, 21, 100].map((d) => queueLevel(d))).toEqual(["normal", "normal", "warning", "warning", "critical", "critical"])
    expect(queueLevel(3, { warning: 2, critical: 4 })).toBe("warning")
  })

  it("reads a finance 404 as no data", () => {
    expect(step(initialState(), { _tag: "Finance", summary: null }).finance).toEqual({ _tag: "None" })
  })

  it("names projects by their (Korean) title in the events log", () => {
    const state = fold(initialState(), [
      { _tag: "Projects", projects: [{ slug: "sword", title: "검의 계승자" }] },
      ev({ _tag: "JobCommitted", at: T0, job: "sword:1", project: "sword", episode: 1, durationMs: 1_200, reward: 0.9 }),
      ev({ _tag: "IntakeChanged", at: T0, paused: true }),
    ])
    expect(logEntries(state.events)[0]!.text).toBe("✓ committed 검의 계승자 (sword) #1 in 1.2s")
    expect(filterLog(logEntries(state.events), "계승").length).toBe(1)
    expect(filterLog(logEntries(state.events), "INTAKE").length).toBe(1)
  })

  it("bounds the events log at its capacity, oldest dropped", () => {
    const log = boundedLog<number>(100)
    for (let i = 0; i < 1_000; i++) append(log, i)
    expect(logSize(log)).toBe(100)
    expect(logEntries(log)[0]).toBe(900)
    expect(logEntries(log)[99]).toBe(999)
  })

  it("formats durations", () => {
    expect([0, 42_000, 185_000, 3_720_000, 200 * 3_600_000].map(formatDuration)).toEqual(["0 s", "42 s", "3 m 05 s", "1 h 02 m", "8 d 8 h"])
  })
})
