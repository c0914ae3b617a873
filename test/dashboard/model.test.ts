import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  activeAlerts,
  actorRows,
  alertText,
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
  type DeadLetter,
  deadLetterText,
  type FactorySummary,
  type ModelInput,
  projectRows,
  queueLevel,
  ratePerMinute,
  selectedRow,
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

describe("the server's figures", () => {
  const summary = (overrides: Partial<FactorySummary> = {}): FactorySummary => ({
    at: T0,
    since: T0 - 3_600_000,
    throughput: Array.from({ length: 60 }, (_, i) => ({ minute: Math.floor(T0 / 60_000) - 59 + i, committed: i === 59 ? 3 : i === 0 ? 1 : 0, failed: i === 58 ? 2 : 0 })),
    rate: { committed: 0.6, failed: 0.4 },
    latency: [
      { stage: "writer", count: 20, failures: 0, p50: 1000, p95: 1900 },
      { stage: "critic", count: 2, failures: 1, p50: 30, p95: 40 },
      { stage: "guard", count: 0, failures: 1, p50: null, p95: null },
    ],
    totals: { committed: 4, failed: 2, rejected: 0 },
    projects: [],
    ...overrides,
  })

  it("draws throughput and latency from the server's summary, not from the events it was replayed", () => {
    const state = initialState()
    // events alone move no figure: a dashboard attached late would count a fraction of the hour
    step(state, ev({ _tag: "JobCommitted", at: T0, job: "p:1", project: "p", episode: 1, durationMs: 5, reward: 1 }))
    expect(throughputSeries(state).committed.reduce((a, b) => a + b, 0)).toBe(0)
    expect(ratePerMinute(state)).toEqual({ committed: 0, failed: 0 })
    step(state, { _tag: "Summary", summary: summary() })
    const series = throughputSeries(state)
    expect(series.committed).toHaveLength(60)
    expect(series.minutesAgo[0]).toBe(59)
    expect(series.minutesAgo[59]).toBe(0)
    expect(series.committed[59]).toBe(3)
    expect(series.committed[0]).toBe(1)
    expect(series.failed[58]).toBe(2)
    expect(ratePerMinute(state)).toEqual({ committed: 0.6, failed: 0.4 })
    const table = latencyTable(state)
    expect(table.map((r) => r.stage)).toEqual(["writer", "guard", "editor", "critic"])
    expect(table[0]).toMatchObject({ stage: "writer", count: 20, p50: 1000, p95: 1900 })
    expect(table[1]).toMatchObject({ stage: "guard", count: 0, failures: 1 })
    expect(Number.isNaN(table[1]!.p50)).toBe(true)
    expect(table[3]).toMatchObject({ stage: "critic", p95: 40 })
  })

  it("pads a short series (a server up for minutes) to the hour, newest last", () => {
    const state = fold(initialState(), [{ _tag: "Summary", summary: summary({ throughput: [{ minute: 1, committed: 5, failed: 0 }] }) }])
    const series = throughputSeries(state)
    expect(series.committed).toHaveLength(60)
    expect(series.committed[59]).toBe(5)
    expect(series.committed.slice(0, 59).every((n) => n === 0)).toBe(true)
  })

  it("joins each project's title and beats with the server's counts, hold and cost today", () => {
    const state = fold(initialState(), [
      { _tag: "Projects", projects: [{ slug: "sword", title: "검의 계승자", episodes: 12, held: null, beatsLeft: 8 }, { slug: "rain", title: "비", episodes: 0 }] },
      {
        _tag: "Summary",
        summary: summary({
          projects: [
            { project: "sword", committed: 12, queued: 3, inFlight: 1, dead: 1, skipped: 0, held: "episode 13 is dead: 400", costTodayUsd: 1.5 },
            { project: "zeta", committed: 1, queued: 0, inFlight: 0, dead: 0, skipped: 0, held: null, costTodayUsd: null },
          ],
        }),
      },
    ])
    expect(projectRows(state)).toEqual([
      { slug: "rain", title: "비", committed: 0, queued: 0, inFlight: 0, dead: 0, held: null, beatsLeft: null, costTodayUsd: null },
      { slug: "sword", title: "검의 계승자", committed: 12, queued: 3, inFlight: 1, dead: 1, held: "episode 13 is dead: 400", beatsLeft: 8, costTodayUsd: 1.5 },
      { slug: "zeta", title: "zeta", committed: 1, queued: 0, inFlight: 0, dead: 0, held: null, beatsLeft: null, costTodayUsd: null },
    ])
  })

  it("keeps dead letters and workers as the server last answered", () => {
    const letter: DeadLetter = { project: "sword", episode: 13, job: "sword:13", state: "dead", cause: "writer → m: bad request\nline two", at: T0, deliveries: 1, findings: [] }
    const state = fold(initialState(), [
      { _tag: "DeadLetters", deadLetters: [letter] },
      { _tag: "Workers", at: T0, workers: [{ worker: "h:1/writer-1", job: "sword:14", project: "sword", episode: 14, stage: "guard", since: T0 - 5_000, stageSince: T0 - 1_000 }] },
    ])
    expect(state.deadLetters).toEqual([letter])
    expect(state.workers[0]!.stage).toBe("guard")
    // the full cause, every line of it, for the detail popup
    const text = deadLetterText(letter, "검 (sword)")
    expect(text).toContain("검 (sword) #13 (sword:13) — dead, 1 deliveries")
    expect(text).toContain("writer → m: bad request\nline two")
    step(state, { _tag: "DeadLetters", deadLetters: [] })
    expect(state.deadLetters).toEqual([])
  })

  it("selects a row within the rows there are", () => {
    expect(selectedRow(["a", "b"], 5)).toBe("b")
    expect(selectedRow(["a", "b"], -1)).toBe("a")
    expect(selectedRow([], 0)).toBeNull()
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
    expect(state.totals.events).toBe(1)
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

  it("keeps an alert's whole text for the detail view (the panel shows its first line)", () => {
    const message = "llm breaker open for 56 s\nlast error: 503 Service Unavailable from https://llm.example/v1 after 4 retries"
    const state = fold(initialState(), [ev({ _tag: "Alert", at: T0, rule: "breaker-open:llm", state: "firing", message })])
    const [alert] = activeAlerts(state)
    expect(alert!.message).toBe(message)
    expect(alertText(alert!)).toContain("after 4 retries")
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
