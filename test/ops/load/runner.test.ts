import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { mixCycle, parseMix } from "../../../src/ops/load/FactoryApiTarget.ts"
import { type LoadTarget, runLoad } from "../../../src/ops/load/LoadRunner.ts"
import { checkSlos, samplesCsv, summarize } from "../../../src/ops/load/Summary.ts"
import { percentile } from "../../../src/util/Stats.ts"
import { parseDurationMs, parsePercent } from "../../../src/util/Units.ts"

describe("units", () => {
  it("parses durations and percentages, refusing bare numbers", () => {
    expect(parseDurationMs("500ms")).toBe(500)
    expect(parseDurationMs("60s")).toBe(60_000)
    expect(parseDurationMs("1.5m")).toBe(90_000)
    expect(parseDurationMs("1h")).toBe(3_600_000)
    expect(parseDurationMs("0ms")).toBe(0)
    expect(parseDurationMs("60")).toMatch(/expected a duration/)
    expect(parseDurationMs("fast")).toMatch(/expected a duration/)
    expect(parsePercent("1%")).toBe(0.01)
    expect(parsePercent("0.5%")).toBe(0.005)
    expect(parsePercent("1")).toMatch(/expected a percentage/)
    expect(parsePercent("150%")).toMatch(/at most 100%/)
  })

  it("nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(sorted, 50)).toBe(50)
    expect(percentile(sorted, 95)).toBe(95)
    expect(percentile(sorted, 99)).toBe(99)
    expect(percentile([7], 99)).toBe(7)
    expect(percentile([], 50)).toBeNaN()
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1 }), fc.integer({ min: 1, max: 100 }), (xs, p) => {
      const sorted = [...xs].sort((a, b) => a - b)
      const v = percentile(sorted, p)
      // at least p % of the values are ≤ v
      return sorted.filter((x) => x <= v).length >= Math.ceil((p / 100) * sorted.length)
    }))
  })

  it("the mix cycle holds each kind as often as its weight, spread out", () => {
    expect(mixCycle({ enqueue: 1, status: 2, job: 1 })).toEqual(["status", "enqueue", "job", "status"])
    expect(parseMix("enqueue=3,status=0")).toEqual({ enqueue: 3, status: 0, job: 0 })
    expect(parseMix("status=1,job=1")).toMatch(/need enqueues/)
    expect(parseMix("write=1")).toMatch(/kind=weight/)
    fc.assert(fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (job, status, enqueue) => {
      const cycle = mixCycle({ enqueue, status, job })
      return cycle.filter((k) => k === "enqueue").length === enqueue && cycle.filter((k) => k === "status").length === status &&
        cycle.filter((k) => k === "job").length === job
    }))
  })
})

/** A server that answers in 5 ms, except that it stalls everything from t=200 ms until t=700 ms. */
const stallingServer = (start: number): LoadTarget => ({
  next: (seq) => ({ kind: seq % 2 === 0 ? "status" : "enqueue", method: "GET", path: `/x/${seq}` }),
  send: () =>
    Effect.gen(function* () {
      const t = (yield* Clock.currentTimeMillis) - start
      if (t >= 200 && t < 700) yield* Effect.sleep(700 - t)
      yield* Effect.sleep(5)
      return { status: 200, body: "{}" }
    }),
})

describe("runLoad (open model, TestClock)", () => {
  it.effect("sends on schedule during a stall and charges the stall to every request behind it", () =>
    Effect.gen(function* () {
      const start = yield* Clock.currentTimeMillis
      const fiber = yield* Effect.forkChild(runLoad(stallingServer(start), { rps: 10, durationMs: 1_000, timeoutMs: 5_000, maxInFlight: 100 }))
      yield* TestClock.adjust("10 seconds")
      const samples = yield* Fiber.join(fiber)
      expect(samples.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      // every request left at its intended time, stall or not (open model)
      expect(samples.map((s) => s.sentMs)).toEqual(samples.map((s) => s.intendedMs))
      expect(samples.map((s) => Math.round(s.latencyMs))).toEqual([5, 5, 505, 405, 305, 205, 105, 5, 5, 5])
      const summary = summarize(samples, { url: "test", targetRps: 10, durationMs: 1_000 })
      expect(summary.latency.p50).toBe(5)
      expect(summary.latency.p95).toBe(505)
      expect(summary.errors).toBe(0)
      expect(checkSlos(summary, { p95Ms: 500, maxErrorRate: 0, minRequests: 10 }).filter((s) => !s.ok).map((s) => s.flag)).toEqual(["--slo-p95"])
      expect(checkSlos(summary, { p95Ms: 505, maxErrorRate: 0, minRequests: 10 }).every((s) => s.ok)).toBe(true)
    }))

  it.effect("slots that find the in-flight bound reached are errors charged the timeout, never skipped", () =>
    Effect.gen(function* () {
      // in-flight bound 1: slot 2 (t=200) hangs in the stall until t=705, so slots 3–7 find it still in flight
      const start = yield* Clock.currentTimeMillis
      const fiber = yield* Effect.forkChild(runLoad(stallingServer(start), { rps: 10, durationMs: 1_000, timeoutMs: 1_000, maxInFlight: 1 }))
      yield* TestClock.adjust("10 seconds")
      const samples = yield* Fiber.join(fiber)
      expect(samples).toHaveLength(10)
      const refused = samples.filter((s) => s.error?.startsWith("not sent"))
      expect(refused.map((s) => s.seq)).toEqual([3, 4, 5, 6, 7])
      expect(refused.every((s) => s.latencyMs >= 1_000 && !s.ok && s.status === 0)).toBe(true)
      const summary = summarize(samples, { url: "test", targetRps: 10, durationMs: 1_000 })
      expect(summary.errorRate).toBeCloseTo(0.5)
      expect(checkSlos(summary, { p95Ms: 10_000, maxErrorRate: 0.01, minRequests: 1 }).filter((s) => !s.ok).map((s) => s.flag)).toEqual(["--max-error"])
    }))

  it.effect("a request without an answer times out, counted as an error at the timeout", () =>
    Effect.gen(function* () {
      const target: LoadTarget = {
        next: () => ({ kind: "status", method: "GET", path: "/hang" }),
        send: () => Effect.never,
      }
      const fiber = yield* Effect.forkChild(runLoad(target, { rps: 2, durationMs: 1_000, timeoutMs: 250, maxInFlight: 10 }))
      yield* TestClock.adjust("5 seconds")
      const samples = yield* Fiber.join(fiber)
      expect(samples.map((s) => [s.ok, s.status, Math.round(s.latencyMs), s.error])).toEqual([
        [false, 0, 250, "timeout after 250 ms"],
        [false, 0, 250, "timeout after 250 ms"],
      ])
      expect(samplesCsv(samples).split("\n")[1]).toBe("0,status,GET,/hang,0,0,250,250,0,false,timeout after 250 ms")
    }))
})
