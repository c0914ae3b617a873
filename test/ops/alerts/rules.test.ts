import { Result } from "effect"
import { describe, expect, it } from "vitest"
import type { FactoryEvent } from "../../../src/events/FactoryEvent.ts"
import { DEFAULT_ALERTS, resolveAlertSettings } from "../../../src/ops/alerts/AlertsConfig.ts"
import { cronPeriodMs } from "../../../src/ops/alerts/AlertsActor.ts"
import { type AlertInput, type AlertState, activeAlerts, initialAlertState, RULES, type RuleContext, step } from "../../../src/ops/alerts/Rules.ts"

const MIN = 60_000
const HOUR = 3_600_000
const T0 = Date.UTC(2025, 0, 6, 0, 0, 0)
const ctx: RuleContext = { settings: DEFAULT_ALERTS, backupPeriodMs: 24 * HOUR }

/** Feeds inputs in order; returns the final state and every transition as `rule:state@minutes`. */
const run = (inputs: ReadonlyArray<AlertInput>, state: AlertState = initialAlertState(T0), context = ctx) => {
  const transitions: Array<string> = []
  const forwarded: Array<string> = []
  for (const input of inputs) {
    const r = step(context, state, input)
    state = r.state
    for (const a of r.publish) transitions.push(`${a.rule}:${a.state}@${(a.at - T0) / MIN}`)
    for (const a of r.forward) forwarded.push(`${a.rule}:${a.state}`)
  }
  return { state, transitions, forwarded }
}

const ev = (event: FactoryEvent): AlertInput => ({ _tag: "Event", event })
const committed = (at: number): AlertInput => ev({ _tag: "JobCommitted", at, job: `j${at}`, project: "p", episode: 1, durationMs: 10, reward: 0.9 })
const dead = (at: number): AlertInput => ev({ _tag: "JobDead", at, job: `j${at}`, project: "p", episode: 1, reason: "poison" })
const tick = (at: number): AlertInput => ({ _tag: "Tick", at })
const queue = (at: number, queued: number, deadCount = 0): AlertInput => ({ _tag: "QueueSample", at, stats: { queued, inFlight: 0, committed: 0, dead: deadCount, skipped: 0, held: 0 } })
const restart = (at: number): AlertInput => ev({ _tag: "ChildRestarting", at, supervisor: "factory", child: "writer-1", attempt: 1, delayMs: 5000 })

describe("alert rules (pure)", () => {
  it("a wall-clock step fires clock.stepped at once, naming the step, and it resolves an hour later", () => {
    const stepped = ev({ _tag: "ClockStepped", at: T0 + 10 * MIN, stepMs: -HOUR })
    const r = run([tick(T0), stepped, tick(T0 + 69 * MIN), tick(T0 + 70 * MIN)])
    expect(r.transitions).toEqual(["clock.stepped:firing@10", "clock.stepped:resolved@70"])
    const firing = run([stepped]).state.firing.get(RULES.clockStepped)!
    expect(firing.message).toContain("stepped back 60 min")
    expect(run([ev({ _tag: "ClockStepped", at: T0, stepMs: 90_000 })]).state.firing.get(RULES.clockStepped)!.message).toContain("forward 90 s")
  })

  it("success rate below the floor fires per window, and resolves as the bad hour slides out", () => {
    // 3 committed, 7 dead in the first 10 minutes: 30 % < 70 % in the 1 h, 6 h and 24 h windows
    const inputs = [...[0, 1, 2].map((m) => committed(T0 + m * MIN)), ...[3, 4, 5, 6, 7, 8, 9].map((m) => dead(T0 + m * MIN))]
    const bad = run(inputs)
    // judged from the 5th job (successMinJobs): 3 ok + 2 dead = 60 % fires at minute 4
    expect(bad.transitions).toEqual(["jobs.success-rate-1h:firing@4", "jobs.success-rate-6h:firing@4", "jobs.success-rate-24h:firing@4"])
    expect(bad.state.firing.get(RULES.successRate(1))!.message).toBe(
      "success rate over 1h is 30% (3 of 10 jobs committed, 7 dead), below the floor of 70%",
    )
    // ten good jobs an hour later: the bad minutes left the 1 h window; 6 h and 24 h hold 13 of 20 = 65 %, still below
    const good = Array.from({ length: 10 }, (_, i) => committed(T0 + 70 * MIN + i * MIN))
    const later = run(good, bad.state)
    expect(later.transitions).toEqual(["jobs.success-rate-1h:resolved@70"])
    expect(later.state.firing.get(RULES.successRate(6))!.message).toMatch(/is 65% \(13 of 20 jobs committed, 7 dead\)/)
    // 7 h on: the 6 h window holds only the ten good jobs and resolves at the tick; 24 h still holds the bad hour
    const much = run([tick(T0 + 7 * HOUR)], later.state)
    expect(much.transitions).toEqual(["jobs.success-rate-6h:resolved@420"])
    expect([...much.state.firing.keys()]).toEqual(["jobs.success-rate-24h"])
    expect(run([tick(T0 + 25 * HOUR)], much.state).transitions).toEqual(["jobs.success-rate-24h:resolved@1500"])
  })

  it("a breaker open longer than breakerOpenSeconds fires (a 56-second LLM outage is seen), and resolves when it closes", () => {
    const breaker = (at: number, from: string, to: string, reason: string | null): AlertInput =>
      ev({ _tag: "BreakerChanged", at, breaker: "llm", from, to, reason } as FactoryEvent)
    const r = run([
      breaker(T0, "closed", "open", "5 failures: authentication failed"),
      tick(T0 + 20_000),
      breaker(T0 + 25_000, "open", "half-open", null),
      breaker(T0 + 26_000, "half-open", "open", "probe failed"),
      tick(T0 + 30_000),
      tick(T0 + 45_000),
      breaker(T0 + 56_000, "open", "half-open", null),
      breaker(T0 + 56_500, "half-open", "closed", null),
    ])
    expect(r.transitions).toEqual(["dependency.breaker-open:firing@0.5", "dependency.breaker-open:resolved@0.9416666666666667"])
    expect(run([breaker(T0, "closed", "open", "x"), tick(T0 + 31_000)]).state.firing.get(RULES.breakerOpen)!.message).toBe(
      "the llm breaker has been open for 31 s (x): the work that needs it waits",
    )
    // a short blip is no alert
    expect(run([breaker(T0, "closed", "open", "x"), tick(T0 + 10_000), breaker(T0 + 12_000, "open", "closed", null), tick(T0 + 40_000)]).transitions).toEqual([])
  })

  it("a held project (behind a dead episode, or by the operator) fires until nothing is held", () => {
    const held = (at: number, n: number): AlertInput => ({ _tag: "QueueSample", at, stats: { queued: 2, inFlight: 0, committed: 3, dead: 1, skipped: 0, held: n } })
    expect(run([held(T0, 0), held(T0 + MIN, 1), held(T0 + 2 * MIN, 1), held(T0 + 3 * MIN, 0)]).transitions).toEqual([
      "projects.held:firing@1",
      "projects.held:resolved@3",
    ])
  })

  it("a window with fewer than successMinJobs finished jobs is not judged", () => {
    expect(run([dead(T0), dead(T0 + MIN), dead(T0 + 2 * MIN), dead(T0 + 3 * MIN)]).transitions).toEqual([])
  })

  it("queue depth above the critical level fires and resolves; no sample leaves it as it was", () => {
    const r = run([queue(T0, 20), queue(T0 + MIN, 21), tick(T0 + 2 * MIN), queue(T0 + 3 * MIN, 20)])
    expect(r.transitions).toEqual(["queue.depth-critical:firing@1", "queue.depth-critical:resolved@3"])
  })

  it("a restart storm fires above N restarts within a minute and resolves once the minute has passed", () => {
    const restarts = Array.from({ length: 6 }, (_, i) => restart(T0 + i * 1000))
    const r = run([...restarts, tick(T0 + 30_000), tick(T0 + 65_000)])
    expect(r.transitions).toEqual(["supervision.restart-storm:firing@0.08333333333333333", "supervision.restart-storm:resolved@1.0833333333333333"])
    // five restarts are not a storm (limit 5 per minute)
    expect(run(restarts.slice(0, 5)).transitions).toEqual([])
  })

  it("dead-letter growth within the window fires, and resolves when the window no longer holds it", () => {
    const r = run([queue(T0, 0, 2), queue(T0 + 10 * MIN, 0, 4), queue(T0 + 20 * MIN, 0, 7), queue(T0 + 50 * MIN, 0, 7), queue(T0 + 75 * MIN, 0, 7), queue(T0 + 85 * MIN, 0, 7)])
    // +5 at minute 20 (7 − 2); at 75 the window (15…75] still has the baseline 4 (sample at 10): growth 3 < 5 → resolved
    expect(r.transitions).toEqual(["queue.dead-letter-growth:firing@20", "queue.dead-letter-growth:resolved@75"])
  })

  it("backup overdue past period × 1.5, resolved by a new backup; no backup at all counts from the start", () => {
    const r = run([
      { _tag: "BackupSample", at: T0, latestAt: T0 - 30 * HOUR },
      { _tag: "BackupSample", at: T0 + 7 * HOUR, latestAt: T0 - 30 * HOUR },
      { _tag: "BackupSample", at: T0 + 8 * HOUR, latestAt: T0 + 8 * HOUR - MIN },
    ])
    expect(r.transitions).toEqual(["backup.overdue:firing@420", "backup.overdue:resolved@480"])
    expect(r.state.firing.size).toBe(0)
    const none = run([{ _tag: "BackupSample", at: T0 + 35 * HOUR, latestAt: null }, { _tag: "BackupSample", at: T0 + 37 * HOUR, latestAt: null }])
    expect(none.transitions).toEqual(["backup.overdue:firing@2220"])
    expect(none.state.firing.get(RULES.backupOverdue)!.message).toBe(
      "no backup yet, 37 h after alerting started; the schedule runs every 24 h (overdue after 36 h)",
    )
    // without a schedule, backups are not judged
    expect(run([{ _tag: "BackupSample", at: T0 + 99 * HOUR, latestAt: null }], initialAlertState(T0), { ...ctx, backupPeriodMs: null }).transitions).toEqual([])
  })

  it("a failed backup verification fires from the backup actor's crash and resolves with a newer backup", () => {
    const crash = ev({
      _tag: "ChildExited",
      at: T0 + 5 * MIN,
      supervisor: "factory",
      child: "backup",
      outcome: "failure",
      cause: "BackupVerifyFailed: backup 20250106T000000000Z-abcdef failed verification: factory.db.gz: sha256 mismatch\n    at …",
    })
    const r = run([{ _tag: "BackupSample", at: T0, latestAt: T0 }, crash, { _tag: "BackupSample", at: T0 + 6 * MIN, latestAt: T0 }, { _tag: "BackupSample", at: T0 + 9 * MIN, latestAt: T0 + 8 * MIN }])
    expect(r.transitions).toEqual(["backup.verification-failed:firing@5", "backup.verification-failed:resolved@9"])
    const fired = run([crash]).state.firing.get(RULES.backupVerification)!
    expect(fired.message).toBe("backup 20250106T000000000Z-abcdef failed verification: factory.db.gz: sha256 mismatch")
    // other crashes are not a verification failure
    expect(run([ev({ _tag: "ChildExited", at: T0, supervisor: "factory", child: "backup", outcome: "failure", cause: "BackupError: disk full" })]).transitions).toEqual([])
  })

  it("alerts raised elsewhere (the budget gate) are tracked and forwarded, never re-published; our own are ignored", () => {
    const budget = (state: "firing" | "resolved", at: number) => ev({ _tag: "Alert", at, rule: "finance.daily-budget", state, message: "cap reached" })
    const own = ev({ _tag: "Alert", at: T0, rule: RULES.queueDepth, state: "firing", message: "x" })
    const firing = run([budget("firing", T0), own])
    expect(firing.transitions).toEqual([])
    expect(firing.forwarded).toEqual(["finance.daily-budget:firing"])
    expect(activeAlerts(firing.state).map((a) => a.rule)).toEqual(["finance.daily-budget"])
    const resolved = run([budget("resolved", T0 + HOUR)], firing.state)
    expect(resolved.forwarded).toEqual(["finance.daily-budget:resolved"])
    expect(activeAlerts(resolved.state)).toEqual([])
  })

  it("settings: defaults, thresholds from config, errors naming the key", () => {
    expect(Result.getOrThrow(resolveAlertSettings(undefined))).toEqual(DEFAULT_ALERTS)
    const s = Result.getOrThrow(resolveAlertSettings({ successFloor: 0.9, queueCritical: 50, restartsPerMinute: 2, deadLetterWindowMinutes: 10, webhookUrl: "http://127.0.0.1:1/hook" }))
    expect([s.successFloor, s.queueCritical, s.restartsPerMinute, s.deadLetterWindowMs, s.webhookUrl]).toEqual([0.9, 50, 2, 600_000, "http://127.0.0.1:1/hook"])
    // out-of-range values and typos are the config loader's to refuse (test/config/LoadConfig.test.ts)
    const url = resolveAlertSettings({ webhookUrl: "ftp://x" })
    expect(Result.isFailure(url) && url.failure).toBe("alerts.webhookUrl: expected an http(s) URL, got 'ftp://x'")
  })

  it("the backup period of a cron schedule is its longest gap", () => {
    expect(cronPeriodMs("0 4 * * 0", "UTC", T0)).toBe(7 * 24 * HOUR)
    expect(cronPeriodMs("0 4 * * *", "UTC", T0)).toBe(24 * HOUR)
    expect(cronPeriodMs("0 4 * * 1,4", "UTC", T0)).toBe(4 * 24 * HOUR)
    expect(cronPeriodMs("nope", "UTC", T0)).toMatch(/backup schedule 'nope'/)
  })
})
