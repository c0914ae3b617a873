/**
 * The batch lane against the simulator's Batch API: submitted batches are journaled, answered,
 * booked once at the batch discount, and a restart re-attaches to a batch still running.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Ledger } from "../../src/finance/Ledger.ts"
import { costOf, makePriceTable } from "../../src/finance/Price.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { BatchLane, batchLaneLayer } from "../../src/llm/BatchLane.ts"
import type { CompletionRequest } from "../../src/llm/LanguageModel.ts"
import type { OpenAiLlmConfig } from "../../src/llm/LlmConfig.ts"
import { simulatorScoped } from "../../src/llm/Simulator.ts"
import { Database } from "../../src/sqlite/Database.ts"

const KEY = "sk-batch-0123456789"

const config = (baseUrl: string): OpenAiLlmConfig => ({
  kind: "openai",
  baseUrl,
  model: "sim-korean",
  apiKeyEnv: "K",
  maxTokens: 300,
  batch: { pollMs: 5, discount: 0.5 },
})

const summaryOf = (n: number): CompletionRequest => ({
  stage: "summary",
  messages: [{ role: "system", content: "요약가" }, { role: "user", content: `${n}화를 요약해 주세요. 서윤이 검을 고친다.` }],
})

const lane = (baseUrl: string, database: Layer.Layer<Database, unknown>) =>
  batchLaneLayer(config(baseUrl), { env: { K: KEY } }).pipe(
    Layer.provideMerge(SqliteLedger.layer),
    Layer.provideMerge(database),
  )

describe("the batch lane", () => {
  it.live("submits one batch, waits for it on the Clock, and books each answer once at the batch discount", () =>
    Effect.gen(function* () {
      const sim = yield* simulatorScoped({ apiKey: KEY, answerTokens: { min: 30, max: 30 }, batchPollsToComplete: 2 })
      yield* Effect.gen(function* () {
        const batches = yield* BatchLane
        const id = yield* batches.submit([1, 2, 3].map((n) => ({ customId: `ep-${n}`, request: summaryOf(n) })))
        const outcomes = yield* batches.await(id)
        expect(Object.keys(outcomes).sort()).toEqual(["ep-1", "ep-2", "ep-3"])
        for (const outcome of Object.values(outcomes)) {
          expect(outcome._tag).toBe("Answered")
          if (outcome._tag === "Answered") expect(outcome.completion.text).toMatch(/[가-힣]/)
        }
        // Asking again answers from the journal: nothing is booked twice.
        expect(yield* batches.await(id)).toEqual(outcomes)
        const billed = sim.stats()
        expect(billed.batches).toBe(1)
        const days = yield* (yield* Ledger).dailyCosts()
        expect(days.map((d) => [d.calls, d.promptTokens, d.completionTokens])).toEqual([[3, billed.promptTokens, billed.completionTokens]])
        const price = makePriceTable().lookup("sim-korean").price
        expect(days[0]!.costUsd).toBeCloseTo(0.5 * costOf({ promptTokens: billed.promptTokens, cachedTokens: 0, completionTokens: billed.completionTokens }, price), 12)
      }).pipe(Effect.provide(lane(sim.url, Database.layer({ path: ":memory:" }))))
    }).pipe(Effect.scoped))

  it.live("re-attaches after a restart to a batch submitted before it, and books it once", () =>
    Effect.gen(function* () {
      const sim = yield* simulatorScoped({ apiKey: KEY, answerTokens: { min: 20, max: 20 }, batchPollsToComplete: 1_000_000 })
      const dir = mkdtempSync(join(tmpdir(), "nf-batch-"))
      try {
        const first = ManagedRuntime.make(lane(sim.url, Database.layerIn(dir)))
        const id = yield* Effect.promise(() => first.runPromise(Effect.flatMap(BatchLane, (b) => b.submit([{ customId: "a", request: summaryOf(1) }, { customId: "b", request: summaryOf(2) }]))))
        yield* Effect.promise(() => first.dispose()) // the process stops while the batch runs at the provider
        sim.configure({ batchPollsToComplete: 0 })

        const second = ManagedRuntime.make(lane(sim.url, Database.layerIn(dir)))
        const outcomes = yield* Effect.promise(() => second.runPromise(Effect.flatMap(BatchLane, (b) => b.await(id))))
        expect(Object.values(outcomes).map((o) => o._tag)).toEqual(["Answered", "Answered"])
        const days = yield* Effect.promise(() => second.runPromise(Effect.flatMap(Ledger, (l) => l.dailyCosts())))
        expect(days.map((d) => d.calls)).toEqual([2])
        yield* Effect.promise(() => second.dispose())

        // A third start finds nothing unfinished: the outcomes come from the journal, nothing is booked again.
        const third = ManagedRuntime.make(lane(sim.url, Database.layerIn(dir)))
        expect(yield* Effect.promise(() => third.runPromise(Effect.flatMap(BatchLane, (b) => b.await(id))))).toEqual(outcomes)
        const again = yield* Effect.promise(() => third.runPromise(Effect.flatMap(Ledger, (l) => l.dailyCosts())))
        expect(again.map((d) => d.calls)).toEqual([2])
        yield* Effect.promise(() => third.dispose())
        expect(sim.stats().batches).toBe(1)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.scoped))

  it.live("refuses an empty batch, a line id used twice, an offline stage and a batch it never submitted, naming each", () =>
    Effect.gen(function* () {
      const sim = yield* simulatorScoped({ apiKey: KEY })
      yield* Effect.gen(function* () {
        const batches = yield* BatchLane
        expect((yield* Effect.flip(batches.submit([]))).message).toMatch(/at least one request/)
        const twice = yield* Effect.flip(batches.submit([{ customId: "x", request: summaryOf(1) }, { customId: "x", request: summaryOf(2) }]))
        expect(twice.message).toMatch(/'x' is used twice/)
        const offline = yield* Effect.flip(batches.submit([{ customId: "c", request: { ...summaryOf(1), stage: "critic" } }]))
        expect(offline.message).toMatch(/critic stage is routed offline/)
        expect((yield* Effect.flip(batches.await("batch_unknown"))).message).toMatch(/batch_unknown is not in the batch journal/)
        expect(sim.stats().batches).toBe(0)
      }).pipe(Effect.provide(lane(sim.url, Database.layer({ path: ":memory:" }))))
    }).pipe(Effect.scoped))
})
