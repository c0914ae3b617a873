/**
 * The SQLite ledger keeps each range's spend with the last row it counted and adds only newer
 * rows (the budget gate asks before every writer call). Two ledgers on one file ("two
 * processes") book calls at random times around a few UTC days and ask for days' spend in random
 * order; every answer must be what a SUM over the file gives then.
 *
 * CHAOS_RUNS sets the number of runs (default 100). A failure prints fast-check's seed and path.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import fc from "fast-check"
import { DAY_MS, Ledger } from "../../src/finance/Ledger.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { tempDatabases } from "../sqlite/helpers.ts"

const RUNS = Number(process.env.CHAOS_RUNS ?? 100)
const DAY0 = Date.UTC(2026, 10, 20)

type Step =
  | { readonly t: "book"; readonly on: 0 | 1; readonly day: number; readonly ms: number; readonly cents: number }
  | { readonly t: "spent"; readonly on: 0 | 1; readonly day: number }

const on = fc.constantFrom(0 as const, 1 as const)
const day = fc.integer({ min: 0, max: 2 })
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant("book" as const), on, day, ms: fc.integer({ min: 0, max: DAY_MS - 1 }), cents: fc.integer({ min: 0, max: 500 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("spent" as const), on, day }) },
)

const files = tempDatabases("ledger-spent")
const ledgerOn = (path: string) => SqliteLedger.layer.pipe(Layer.provideMerge(Database.layer({ path })))

const run = (steps: ReadonlyArray<Step>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const path = files.next()
      const contexts = [yield* Layer.build(ledgerOn(path)), yield* Layer.build(ledgerOn(path))]
      const ledgers = contexts.map((c) => Context.get(c, Ledger))
      const db = Context.get(contexts[0]!, Database)
      for (const s of steps) {
        const from = DAY0 + s.day * DAY_MS
        if (s.t === "book") {
          yield* ledgers[s.on]!.book({
            at: from + s.ms,
            project: "p",
            episode: 1,
            stage: "writer",
            provider: "test",
            model: "m",
            usage: { promptTokens: 1, cachedTokens: 0, completionTokens: 1 },
            costUsd: s.cents / 100,
            priced: true,
          })
          continue
        }
        const spent = yield* ledgers[s.on]!.spentUsd(from, from + DAY_MS)
        const summed = yield* db.use((c) =>
          c.get<{ total: number | null }>("SELECT SUM(cost_usd) AS total FROM finance_llm_calls WHERE at >= ? AND at < ?", from, from + DAY_MS)
            ?.total ?? 0
        )
        expect(spent).toBeCloseTo(summed, 9)
      }
    }),
  )

describe("SqliteLedger spend of a range", () => {
  it(`adds only newer rows and answers as a SUM does, across two connections (${RUNS} runs)`, async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => Effect.runPromise(run(steps).pipe(Effect.orDie))), {
      numRuns: RUNS,
    })
  })
})
