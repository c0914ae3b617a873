import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { CANARY_SLUG } from "../../../src/domain/Project.ts"
import type { FactoryEvent } from "../../../src/events/FactoryEvent.ts"
import { recordEvent, registerMetrics } from "../../../src/metrics/FactoryMetrics.ts"
import { DEFAULT_ALERTS } from "../../../src/ops/alerts/AlertsConfig.ts"
import { type AlertInput, initialAlertState, outcomesWithin, RULES, type RuleContext, step } from "../../../src/ops/alerts/Rules.ts"

/** Each test on a registry of its own: the default one is the process's. */
const isolated = <A, E>(effect: Effect.Effect<A, E>) => Effect.provideService(effect, Metric.MetricRegistry, new Map())

const sample = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const MIN = 60_000
const T0 = Date.UTC(2025, 0, 6, 0, 0, 0)
const ctx: RuleContext = { settings: DEFAULT_ALERTS, backupPeriodMs: null }

const committed = (project: string, at: number): FactoryEvent => ({ _tag: "JobCommitted", at, job: `${project}:${at}`, project, episode: 1, durationMs: 10, reward: 0.9 })
const dead = (project: string, at: number): FactoryEvent => ({ _tag: "JobDead", at, job: `${project}:${at}`, project, episode: 1, reason: "writer down" })

/** The canary's whole life of one dead job: enqueued, a stage that failed, a retry, dead. */
const canaryJobEvents = (episode: number): ReadonlyArray<FactoryEvent> => {
  const job = `${CANARY_SLUG}:${episode}`
  return [
    { _tag: "JobEnqueued", at: 0, job, project: CANARY_SLUG, episode },
    { _tag: "StageFinished", at: 0, job, stage: "writer", ms: 120_000, ok: false },
    { _tag: "JobRejected", at: 0, job, draft: 1, reward: 0.1, findings: 3 },
    { _tag: "JobRetrying", at: 0, job, reason: "writer down" },
    { _tag: "StageFinished", at: 0, job, stage: "guard", ms: 5, ok: true },
    { _tag: "JobDead", at: 0, job, project: CANARY_SLUG, episode, reason: "writer down" },
  ]
}

describe("the canary's jobs stay out of the real-work metrics", () => {
  it.effect("they move only novel_factory_synthetic_jobs_total{source=canary}, never the job counters or stage series", () =>
    isolated(Effect.gen(function* () {
      yield* registerMetrics
      const before = yield* PrometheusMetrics.format()
      expect(sample(before, `novel_factory_synthetic_jobs_total{source="canary",event="dead"}`)).toBe(0)
      for (const episode of [1, 2, 3]) for (const event of canaryJobEvents(episode)) yield* recordEvent(event)
      const text = yield* PrometheusMetrics.format()
      for (const counter of ["enqueued", "completed", "failed", "retried"]) {
        expect(sample(text, `novel_factory_jobs_${counter}_total`), counter).toBe(0)
      }
      expect(sample(text, "novel_factory_drafts_rejected_total")).toBe(0)
      expect(sample(text, `novel_factory_stage_failures_total{stage="writer"}`)).toBe(0)
      expect(sample(text, `novel_factory_stage_duration_seconds_count{stage="guard"}`)).toBe(0)
      expect(sample(text, `novel_factory_synthetic_jobs_total{source="canary",event="enqueued"}`)).toBe(3)
      expect(sample(text, `novel_factory_synthetic_jobs_total{source="canary",event="dead"}`)).toBe(3)
      expect(sample(text, `novel_factory_synthetic_jobs_total{source="canary",event="retried"}`)).toBe(3)
    })))

  it.effect("a user's project named 'canary' is real work and is counted as such", () =>
    isolated(Effect.gen(function* () {
      yield* registerMetrics
      yield* recordEvent({ _tag: "JobEnqueued", at: 0, job: "canary:1", project: "canary", episode: 1 })
      yield* recordEvent(dead("canary", 0))
      const text = yield* PrometheusMetrics.format()
      expect(sample(text, "novel_factory_jobs_enqueued_total")).toBe(1)
      expect(sample(text, "novel_factory_jobs_failed_total")).toBe(1)
      expect(sample(text, `novel_factory_synthetic_jobs_total{source="canary",event="dead"}`)).toBe(0)
    })))

  it.effect("a load test's jobs are counted under source=load", () =>
    isolated(Effect.gen(function* () {
      yield* registerMetrics
      yield* recordEvent(committed("nf-load-20250106-000000-00ff", 0))
      const text = yield* PrometheusMetrics.format()
      expect(sample(text, "novel_factory_jobs_completed_total")).toBe(0)
      expect(sample(text, `novel_factory_synthetic_jobs_total{source="load",event="committed"}`)).toBe(1)
    })))
})

describe("the canary's jobs stay out of the success-rate alerts", () => {
  const run = (events: ReadonlyArray<FactoryEvent>) => {
    let state = initialAlertState(T0)
    const transitions: Array<string> = []
    for (const event of events) {
      const r = step(ctx, state, { _tag: "Event", event } satisfies AlertInput)
      state = r.state
      for (const a of r.publish) transitions.push(`${a.rule}:${a.state}`)
    }
    return { state, transitions }
  }

  it("twenty dead canary jobs fire nothing and leave the real windows empty", () => {
    const { state, transitions } = run(Array.from({ length: 20 }, (_, m) => dead(CANARY_SLUG, T0 + m * MIN)))
    expect(transitions).toEqual([])
    expect(outcomesWithin(state, T0 + 20 * MIN, 3_600_000)).toEqual({ ok: 0, dead: 0 })
  })

  it("dead canary jobs among healthy real work do not drag its success rate below the floor", () => {
    const real = Array.from({ length: 10 }, (_, m) => committed("my-novel", T0 + m * MIN))
    const canary = Array.from({ length: 10 }, (_, m) => dead(CANARY_SLUG, T0 + m * MIN + 1))
    const { state, transitions } = run([...real, ...canary].sort((a, b) => a.at - b.at))
    expect(transitions).toEqual([])
    expect(outcomesWithin(state, T0 + 10 * MIN, 3_600_000)).toEqual({ ok: 10, dead: 0 })
  })

  it("the same dead jobs of a user's project named 'canary' do fire the success-rate alert", () => {
    const { transitions } = run(Array.from({ length: 20 }, (_, m) => dead("canary", T0 + m * MIN)))
    expect(transitions).toContain(`${RULES.successRate(1)}:firing`)
  })
})
