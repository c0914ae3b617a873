import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { afterAll } from "vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { reportCommand } from "../../../src/cli/commands/report.ts"
import { EventBus } from "../../../src/events/EventBus.ts"
import type { FactoryEvent } from "../../../src/events/FactoryEvent.ts"
import { Ledger } from "../../../src/finance/Ledger.ts"
import { SqliteLedger } from "../../../src/finance/SqliteLedger.ts"
import { EventJournal, journalActor, makeEventJournal } from "../../../src/ops/journal/EventJournal.ts"
import { Database } from "../../../src/sqlite/Database.ts"
import { runCommand } from "../../support/cliHarness.ts"
import { makeDataDir } from "../../support/factoryProcess.ts"
import { FROM, knownDay, UNTIL } from "./fixture.ts"

const DAY = 86_400_000
const settle = Effect.gen(function* () {
  for (let i = 0; i < 50; i++) yield* Effect.yieldNow
})
const intake = (at: number, paused: boolean): FactoryEvent => ({ _tag: "IntakeChanged", at, paused })

describe("event journal actor", () => {
  it.effect("journals what the bus held before it started, then every event once, in order", () =>
    Effect.gen(function* () {
      const bus = yield* EventBus
      const db = yield* Database
      yield* bus.publish(intake(1, true))
      yield* bus.publish(intake(2, false))
      const fiber = yield* journalActor().pipe(Effect.forkChild)
      yield* settle
      for (let i = 3; i <= 1_200; i++) yield* bus.publish(intake(i, i % 2 === 1))
      yield* settle
      const journal = yield* makeEventJournal(db)
      const read = yield* journal.read({ from: 0, to: 10_000 })
      expect(read.events.map((e) => e.at)).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 1))
      expect(read.skipped).toBe(0)
      // a restarted journal does not write what it already has
      yield* Fiber.interrupt(fiber)
      const again = yield* journalActor().pipe(Effect.forkChild)
      yield* settle
      yield* bus.publish(intake(1_201, true))
      yield* settle
      expect(yield* journal.count).toBe(1_201)
      expect((yield* journal.read({ from: 1_000, to: 2_000, tags: ["IntakeChanged"], limit: 5 })).events.map((e) => e.at)).toEqual([1000, 1001, 1002, 1003, 1004])
      yield* Fiber.interrupt(again)
    }).pipe(Effect.provide(Layer.mergeAll(EventBus.layer(), Database.layer({ path: ":memory:" })))))

  it.effect("keeps retentionDays of events: prunes at start and every hour", () =>
    Effect.gen(function* () {
      const bus = yield* EventBus
      const journal = yield* EventJournal
      yield* TestClock.adjust(DAY * 40)
      yield* journal.append([intake(DAY * 5, true), intake(DAY * 11, false), intake(DAY * 39, true)])
      const fiber = yield* journalActor({ retentionDays: 30 }).pipe(Effect.forkChild)
      yield* settle
      // now = day 40: everything before day 10 is gone
      expect((yield* journal.read({ from: 0, to: DAY * 100 })).events.map((e) => e.at / DAY)).toEqual([11, 39])
      yield* bus.publish(intake(DAY * 40, false))
      yield* TestClock.adjust(DAY + 3_600_000)
      expect((yield* journal.read({ from: 0, to: DAY * 100 })).events.map((e) => e.at / DAY)).toEqual([39, 40])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(EventJournal.layer.pipe(Layer.provideMerge(Layer.mergeAll(EventBus.layer(), Database.layer({ path: ":memory:" })))))))
})

describe("novel-factory report (from a recorded journal)", () => {
  const data = makeDataDir("nf-report-")
  afterAll(() => data.cleanup())
  const home = join(data.dir, "home")
  const env = { FACTORY_HOME: home }

  it("renders the known day from the journal in the factory's database, with the ledger's cost", async () => {
    await Effect.runPromise(
      Effect.gen(function* () {
        const journal = yield* makeEventJournal(yield* Database)
        yield* journal.append(knownDay())
        const ledger = yield* Ledger
        yield* ledger.book({
          at: FROM + 3_600_000,
          project: "p",
          episode: 1,
          stage: "writer",
          provider: "openai",
          model: "gpt-test",
          usage: { promptTokens: 1000, cachedTokens: 0, completionTokens: 500 },
          costUsd: 0.5,
          priced: true,
        })
      }).pipe(Effect.provide(SqliteLedger.layer.pipe(Layer.provideMerge(Database.layerIn(home))))),
    )
    const run = await runCommand([reportCommand], ["report", "--hours", "24", "--until", new Date(UNTIL).toISOString(), "--out", "r.md"], env, data.dir)
    expect(run.err).toBe("")
    expect(run.code).toBe(0)
    expect(run.out).toBe("wrote r.md: 665 events, 270 committed, 2 dead; success 1 h 83.3%, 6 h 96.8%, 24 h 99.3%; 2 alert(s)")
    const md = readFileSync(join(data.dir, "r.md"), "utf8")
    expect(md).toContain("| last 24 h | 270 | 2 | 99.3% |")
    expect(md).toContain("| writer | 100 | 3 | 50.0 ms | 95.0 ms | 99.0 ms | 100 ms |")
    expect(md).toContain("| 2025-01-05 13:00 | 40 | 40 | 0 | 3.00 s | 0 | ⚠ throughput above, job p95 above |")
    expect(md).toContain("| llm | 2025-01-05 10:00:00Z | 2025-01-05 10:00:42Z | 42.5 s | 5 failures |")
    expect(md).toContain(`- location: dir:${join(home, "backups")}`)
    expect(md).toContain("- no backup at all")
    expect(md).toContain("## Cost vs sales (UTC days overlapping the window, USD)")
    expect(md).toContain("| 2025-01-05 | 1 | 0.500000 USD | 0.000000 USD | -0.500000 USD |")

    // printed when there is no --out; a 6 h window ending at 12:00 sees the llm outage and not the spike
    const printed = await runCommand([reportCommand], ["report", "--hours", "6", "--until", "2025-01-05T12:00:00Z"], env, data.dir)
    expect(printed.code).toBe(0)
    expect(printed.out).toContain("# Monitoring report: 2025-01-05 06:00:00Z → 2025-01-05 12:00:00Z (6 h)")
    expect(printed.out).toContain("| last 6 h | 60 | 0 | 100.0% |")
    expect(printed.out).toContain("| llm | 2025-01-05 10:00:00Z")
    expect(printed.out).toContain("No alert fired.")
  })

  it("bad flags exit 2 naming the flag", async () => {
    const hours = await runCommand([reportCommand], ["report", "--hours", "0"], env, data.dir)
    expect(hours.code).toBe(2)
    expect(hours.err).toContain("--hours expects a whole number from 1 to 2208, got '0'")
    const until = await runCommand([reportCommand], ["report", "--until", "yesterday"], env, data.dir)
    expect(until.code).toBe(2)
    expect(until.err).toContain("--until expects an ISO time")
  })
})
