import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { Database as DatabaseService } from "../../src/sqlite/Database.ts"
import { TestClock } from "effect/testing"
import { Ledger, withCallContext, withLedger } from "../../src/finance/Ledger.ts"
import { makePriceTable } from "../../src/finance/Price.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { CallJournal, requestHash, withJournal } from "../../src/llm/CallJournal.ts"
import { journalPrunerLayer, pruneJournal } from "../../src/llm/JournalPruner.ts"
import type { CompletionRequest, LanguageModelShape } from "../../src/llm/LanguageModel.ts"
import { SqliteCallJournal } from "../../src/llm/SqliteCallJournal.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"

const Live = Layer.mergeAll(SqliteCallJournal.layer, SqliteLedger.layer, SqliteJobQueue.layer({ maxDeliveries: 5 })).pipe(
  Layer.provideMerge(Database.layer({ path: ":memory:" })),
)

/** A provider that answers "answer N" to its N-th request, and counts them. */
const countingProvider = () => {
  let calls = 0
  const model: LanguageModelShape = {
    name: "counting",
    complete: () =>
      Effect.sync(() => {
        calls++
        return {
          text: `answer ${calls}`,
          finishReason: "stop" as const,
          usage: { promptTokens: 1_000, cachedTokens: 0, completionTokens: 100 },
          model: "sim-korean",
          provider: "127.0.0.1",
        }
      }),
  }
  return { model, calls: () => calls }
}

const writerRequest = (beat: string): CompletionRequest => ({
  stage: "writer",
  messages: [{ role: "system", content: "rules" }, { role: "user", content: `# Episode 4\n${beat}` }],
})

const delivery = withCallContext({ project: "rain-city", episode: 4 })

describe("the call journal", () => {
  it.effect("answers a redelivered job's request from the journal: no provider call, nothing booked", () =>
    Effect.gen(function* () {
      const provider = countingProvider()
      const ledger = yield* Ledger
      const model = withJournal(withLedger(provider.model, ledger, makePriceTable()), yield* CallJournal)
      const first = yield* model.complete(writerRequest("비가 온다")).pipe(delivery)
      const again = yield* model.complete(writerRequest("비가 온다")).pipe(delivery)
      expect(again).toEqual(first)
      expect(provider.calls()).toBe(1)
      const booked = yield* ledger.dailyCosts()
      expect(booked.map((d) => [d.calls, d.promptTokens, d.completionTokens])).toEqual([[1, 1_000, 100]])
    }).pipe(Effect.provide(Live)))

  it.effect("asks anew when the prompt changed between deliveries, and for another episode or stage", () =>
    Effect.gen(function* () {
      const provider = countingProvider()
      const model = withJournal(provider.model, yield* CallJournal)
      yield* model.complete(writerRequest("비가 온다")).pipe(delivery)
      expect((yield* model.complete(writerRequest("눈이 온다")).pipe(delivery)).text).toBe("answer 2")
      expect((yield* model.complete(writerRequest("비가 온다")).pipe(withCallContext({ project: "rain-city", episode: 5 }))).text).toBe("answer 3")
      expect((yield* model.complete({ ...writerRequest("비가 온다"), stage: "critic" }).pipe(delivery)).text).toBe("answer 4")
      expect(provider.calls()).toBe(4)
    }).pipe(Effect.provide(Live)))

  it.effect("replays the n-th identical request of a delivery with the n-th answer (a retry within a delivery is asked anew)", () =>
    Effect.gen(function* () {
      const provider = countingProvider()
      const model = withJournal(provider.model, yield* CallJournal)
      const askTwice = Effect.all([model.complete(writerRequest("비")), model.complete(writerRequest("비"))]).pipe(delivery)
      const first = yield* askTwice
      expect(first.map((c) => c.text)).toEqual(["answer 1", "answer 2"])
      const redelivered = yield* askTwice
      expect(redelivered.map((c) => c.text)).toEqual(["answer 1", "answer 2"])
      expect(provider.calls()).toBe(2)
    }).pipe(Effect.provide(Live)))

  it.effect("leaves calls outside a job's context and free providers' calls out of the journal", () =>
    Effect.gen(function* () {
      const provider = countingProvider()
      const journal = yield* CallJournal
      const model = withJournal(provider.model, journal)
      yield* model.complete(writerRequest("비"))
      yield* model.complete(writerRequest("비"))
      expect(provider.calls()).toBe(2)
      const offline: LanguageModelShape = {
        name: "offline",
        complete: (request) => Effect.map(provider.model.complete(request), (c) => ({ ...c, provider: "offline" })),
      }
      const offlineJournaled = withJournal(offline, journal)
      yield* offlineJournaled.complete(writerRequest("비")).pipe(delivery)
      yield* offlineJournaled.complete(writerRequest("비")).pipe(delivery)
      expect(provider.calls()).toBe(4)
    }).pipe(Effect.provide(Live)))

  it("hashes the model, messages, response format, max tokens and temperature", () => {
    const base = writerRequest("비")
    const hashes = new Set([
      requestHash("m", base),
      requestHash("m2", base),
      requestHash("m", { ...base, maxTokens: 100 }),
      requestHash("m", { ...base, temperature: 0.1 }),
      requestHash("m", { ...base, responseFormat: { name: "x", schema: {} } }),
      requestHash("m", { ...base, messages: [...base.messages, { role: "user", content: "more" }] }),
    ])
    expect(hashes.size).toBe(6)
    expect(requestHash("m", base)).toBe(requestHash("m", writerRequest("비")))
  })

  it.effect("drops a committed episode's entries after the retention, and keeps those of jobs not committed", () =>
    Effect.gen(function* () {
      const provider = countingProvider()
      const journal = yield* CallJournal
      const queue = yield* JobQueue
      const model = withJournal(provider.model, journal)
      yield* queue.enqueue("rain-city", [1, 2])
      const lease = Option.getOrThrow(yield* queue.claim("w", { leaseMs: 60_000 }))
      yield* model.complete(writerRequest("1")).pipe(withCallContext({ project: "rain-city", episode: 1 }))
      yield* model.complete(writerRequest("2")).pipe(withCallContext({ project: "rain-city", episode: 2 }))
      yield* queue.complete(lease)

      yield* TestClock.adjust("6 days")
      expect(yield* pruneJournal(7)).toBe(0)
      yield* TestClock.adjust("2 days")
      expect(yield* pruneJournal(7)).toBe(1)
      // Episode 1 (committed) is asked anew; episode 2 (still queued) is still answered from the journal.
      yield* model.complete(writerRequest("1")).pipe(withCallContext({ project: "rain-city", episode: 1 }))
      yield* model.complete(writerRequest("2")).pipe(withCallContext({ project: "rain-city", episode: 2 }))
      expect(provider.calls()).toBe(3)
    }).pipe(Effect.provide(Live)))

  it.effect("the pruner layer prunes on its schedule (Effect's Clock), for as long as it lives", () =>
    Effect.gen(function* () {
      const provider = countingProvider()
      const journal = yield* CallJournal
      const queue = yield* JobQueue
      const model = withJournal(provider.model, journal)
      yield* queue.enqueue("rain-city", [1])
      const lease = Option.getOrThrow(yield* queue.claim("w", { leaseMs: 60_000 }))
      yield* model.complete(writerRequest("1")).pipe(withCallContext({ project: "rain-city", episode: 1 }))
      yield* queue.complete(lease)
      const entries = Effect.flatMap(DatabaseService, (db) => db.use((c) => c.get<{ n: number }>("SELECT COUNT(*) AS n FROM llm_journal")!.n))
      yield* Effect.gen(function* () {
        yield* TestClock.adjust("7 days")
        expect(yield* entries).toBe(1) // recorded exactly 7 days ago: not older than the retention yet
        yield* TestClock.adjust("1 hour")
        expect(yield* entries).toBe(0)
      }).pipe(Effect.provide(journalPrunerLayer(7, 3_600_000)), Effect.scoped)
    }).pipe(Effect.provide(Live)))
})
