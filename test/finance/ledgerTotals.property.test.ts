/**
 * The SQLite ledger answers the budget gate (a range's spend, before every writer call) and the
 * dashboard (costs per day) without summing every call: a range's spend is kept with the last row
 * it counted, and a trigger keeps per-day sums. Two ledgers on one file ("two processes"), on a
 * database that held calls before the per-day sums existed (schema v1), book calls at random
 * times around a few UTC days and ask for days' spend and for costs per day in random order;
 * every answer must be what summing the calls in the file gives then.
 *
 * CHAOS_RUNS sets the number of runs (default 100). A failure prints fast-check's seed and path.
 */
import { DatabaseSync } from "node:sqlite"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import fc from "fast-check"
import { DAY_MS, Ledger } from "../../src/finance/Ledger.ts"
import { financeMigrations, SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { tempDatabases } from "../sqlite/helpers.ts"

const RUNS = Number(process.env.CHAOS_RUNS ?? 100)
const DAY0 = Date.UTC(2026, 10, 20)

type Step =
  | { readonly t: "book"; readonly on: 0 | 1; readonly day: number; readonly ms: number; readonly cents: number }
  | { readonly t: "spent"; readonly on: 0 | 1; readonly day: number }
  | { readonly t: "daily"; readonly on: 0 | 1; readonly from: number | undefined; readonly to: number | undefined }

const on = fc.constantFrom(0 as const, 1 as const)
const day = fc.integer({ min: 0, max: 2 })
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant("book" as const), on, day, ms: fc.integer({ min: 0, max: DAY_MS - 1 }), cents: fc.integer({ min: 0, max: 500 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("spent" as const), on, day }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("daily" as const), on, from: fc.option(day, { nil: undefined }), to: fc.option(day, { nil: undefined }) }) },
)
interface SeedRow {
  readonly day: number
  readonly ms: number
  readonly cents: number
  readonly priced: boolean
}
const seedRow: fc.Arbitrary<SeedRow> = fc.record({ day, ms: fc.integer({ min: 0, max: DAY_MS - 1 }), cents: fc.integer({ min: 0, max: 500 }), priced: fc.boolean() })

const dateOf = (day: number) => new Date(DAY0 + day * DAY_MS).toISOString().slice(0, 10)

/** A database at finance schema v1 holding `rows`: the next ledger opened on it migrates it. */
const writeV1 = (path: string, rows: ReadonlyArray<SeedRow>) => {
  const db = new DatabaseSync(path)
  try {
    db.exec(financeMigrations[0]!.up as string)
    db.exec("CREATE TABLE schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at INTEGER NOT NULL)")
    db.prepare("INSERT INTO schema_version VALUES ('finance', 1, 'llm_calls and sales', 0)").run()
    const insert = db.prepare(
      "INSERT INTO finance_llm_calls (at, project, episode, stage, provider, model, prompt_tokens, cached_tokens, completion_tokens, cost_usd, priced) VALUES (?, 'p', 1, 'writer', 'test', 'm', 3, 1, 2, ?, ?)",
    )
    for (const r of rows) insert.run(DAY0 + r.day * DAY_MS + r.ms, r.cents / 100, r.priced ? 1 : 0)
  } finally {
    db.close()
  }
}

const files = tempDatabases("ledger-spent")
const ledgerOn = (path: string) => SqliteLedger.layer.pipe(Layer.provideMerge(Database.layer({ path })))

const run = (seed: ReadonlyArray<SeedRow>, steps: ReadonlyArray<Step>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const path = files.next()
      writeV1(path, seed)
      const contexts = [yield* Layer.build(ledgerOn(path)), yield* Layer.build(ledgerOn(path))]
      const ledgers = contexts.map((c) => Context.get(c, Ledger))
      const db = Context.get(contexts[0]!, Database)
      for (const s of steps) {
        if (s.t === "daily") {
          const range = { from: s.from === undefined ? undefined : dateOf(s.from), to: s.to === undefined ? undefined : dateOf(s.to) }
          const days = yield* ledgers[s.on]!.dailyCosts(range)
          const grouped = yield* db.use((c) =>
            c.all<{ date: string; cost: number; calls: number; unpriced: number; p: number; k: number; o: number }>(
              `SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS date, SUM(cost_usd) AS cost, COUNT(*) AS calls, SUM(1 - priced) AS unpriced,
                 SUM(prompt_tokens) AS p, SUM(cached_tokens) AS k, SUM(completion_tokens) AS o
               FROM finance_llm_calls GROUP BY date HAVING date >= ? AND date <= ? ORDER BY date`,
              range.from ?? "0000-00-00",
              range.to ?? "9999-99-99",
            )
          )
          expect(days.map((d) => d.date)).toEqual(grouped.map((g) => g.date))
          days.forEach((d, i) => {
            const g = grouped[i]!
            expect(d.costUsd).toBeCloseTo(g.cost, 9)
            expect([d.calls, d.unpricedCalls, d.promptTokens, d.cachedTokens, d.completionTokens]).toEqual([g.calls, g.unpriced, g.p, g.k, g.o])
          })
          continue
        }
        const from = DAY0 + s.day * DAY_MS
        if (s.t === "book") {
          yield* ledgers[s.on]!.book({
            at: from + s.ms,
            project: "p",
            episode: 1,
            stage: "writer",
            provider: "test",
            model: "m",
            usage: { promptTokens: 3, cachedTokens: 1, completionTokens: 2 },
            costUsd: s.cents / 100,
            priced: s.cents % 7 !== 0,
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

describe("SqliteLedger spend and daily costs", () => {
  it(`answer as summing the calls does, across two connections and a migration (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(seedRow, { maxLength: 8 }), fc.array(step, { minLength: 1, maxLength: 40 }), (seed, steps) =>
        Effect.runPromise(run(seed, steps).pipe(Effect.orDie))
      ),
      { numRuns: RUNS },
    )
  })
})
