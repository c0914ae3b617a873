import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { recordEvent, registerMetrics } from "../../src/metrics/FactoryMetrics.ts"

/** Each test on a registry of its own: the default one is the process's. */
const isolated = <A, E>(effect: Effect.Effect<A, E>) => Effect.provideService(effect, Metric.MetricRegistry, new Map())

const sample = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe("factory metrics", () => {
  it.effect("every counter and labelled series is exported at 0 from start-up, before any event", () =>
    isolated(Effect.gen(function* () {
      yield* registerMetrics
      const text = yield* PrometheusMetrics.format()
      for (const counter of ["enqueued", "completed", "failed", "retried"]) {
        expect(sample(text, `novel_factory_jobs_${counter}_total`), counter).toBe(0)
      }
      expect(sample(text, "novel_factory_drafts_rejected_total")).toBe(0)
      expect(sample(text, "novel_factory_restarts_total")).toBe(0)
      expect(sample(text, "novel_factory_escalations_total")).toBe(0)
      for (const stage of ["writer", "guard", "editor", "commit"]) {
        expect(sample(text, `novel_factory_stage_failures_total{stage="${stage}"}`), stage).toBe(0)
        expect(sample(text, `novel_factory_stage_duration_seconds_count{stage="${stage}"}`), stage).toBe(0)
      }
      for (const breaker of ["queue", "story-store", "llm"]) {
        expect(sample(text, `novel_factory_breaker_opened_total{breaker="${breaker}"}`), breaker).toBe(0)
      }
      // registering again changes nothing
      yield* recordEvent({ _tag: "JobDead", at: 0, job: "p:1", project: "p", episode: 1, reason: "x" })
      yield* registerMetrics
      expect(sample(yield* PrometheusMetrics.format(), "novel_factory_jobs_failed_total")).toBe(1)
    })))

  it.effect("a failed stage attempt is counted apart and stays out of the duration histogram", () =>
    isolated(Effect.gen(function* () {
      yield* registerMetrics
      yield* recordEvent({ _tag: "StageFinished", at: 0, job: "p:1", stage: "writer", ms: 300_000, ok: false })
      yield* recordEvent({ _tag: "StageFinished", at: 0, job: "p:1", stage: "writer", ms: 40, ok: true })
      yield* recordEvent({ _tag: "StageFinished", at: 0, job: "p:1", stage: "guard", ms: 5, ok: false })
      const text = yield* PrometheusMetrics.format()
      expect(sample(text, `novel_factory_stage_failures_total{stage="writer"}`)).toBe(1)
      expect(sample(text, `novel_factory_stage_failures_total{stage="guard"}`)).toBe(1)
      expect(sample(text, `novel_factory_stage_duration_seconds_count{stage="writer"}`)).toBe(1)
      expect(sample(text, `novel_factory_stage_duration_seconds_sum{stage="writer"}`)).toBeCloseTo(0.04)
      expect(sample(text, `novel_factory_stage_duration_seconds_count{stage="guard"}`)).toBe(0)
    })))
})
