/** `novel-factory status` (and `--json`) shows a budget pause, its reason and when it lifts. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { runCli } from "../../src/cli/Cli.ts"
import { statusCommand } from "../../src/cli/commands/story.ts"
import { DAY_MS, Ledger, utcDayStart } from "../../src/finance/Ledger.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { Database } from "../../src/sqlite/Database.ts"

const book = (home: string, model: string, costUsd: number, priced: boolean) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* (yield* Ledger).book({
        at: Date.now(),
        project: "p",
        episode: 1,
        stage: "writer",
        provider: "api.openai.com",
        model,
        usage: { promptTokens: 1_000, cachedTokens: 0, completionTokens: 100 },
        costUsd,
        priced,
      })
    }).pipe(Effect.provide(SqliteLedger.layer.pipe(Layer.provide(Database.layerIn(home))))),
  )

const setup = (finance: string) => {
  const dir = mkdtempSync(join(tmpdir(), "nf-status-budget-"))
  const home = join(dir, "home")
  mkdirSync(home, { recursive: true })
  writeFileSync(join(home, "factory.yaml"), `finance:\n${finance}\n`)
  const out: Array<string> = []
  const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l), env: { FACTORY_HOME: home }, cwd: dir }
  return { home, out, run: (...argv: Array<string>) => runCli([statusCommand], "test", argv, io), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

describe("novel-factory status and the budget", () => {
  it("shows writers paused at the cap, why, and until when", async () => {
    const { home, out, run, cleanup } = setup("  dailyBudgetUsd: 2")
    try {
      await book(home, "gpt-4.1-mini", 2.5, true)
      expect(await run("status")).toBe(0)
      expect(out.join("\n")).toMatch(/budget: \$2\.50 of \$2\.00 today · WRITERS PAUSED until \d{4}-\d{2}-\d{2} 00:00 UTC: today's LLM spend \$2\.50 reached the daily budget \$2\.00/)
      out.length = 0
      expect(await run("status", "--json")).toBe(0)
      const json = JSON.parse(out.join("\n"))
      expect(json.budget).toMatchObject({ capUsd: 2, spentTodayUsd: 2.5, paused: true, resumesAt: utcDayStart(Date.now()) + DAY_MS, unpricedModels: [] })
    } finally {
      cleanup()
    }
  })

  it("shows a pause for a model with no price, and none once factory.yaml prices it", async () => {
    const { home, out, run, cleanup } = setup("  dailyBudgetUsd: 100")
    try {
      await book(home, "house-model", 0, false)
      expect(await run("status")).toBe(0)
      expect(out.join("\n")).toMatch(/WRITERS PAUSED[^\n]*cost of 'house-model' is unknown[^\n]*finance\.prices\.house-model/)
      writeFileSync(join(home, "factory.yaml"), "finance:\n  dailyBudgetUsd: 100\n  prices:\n    house-model: { input: 1, cachedInput: 1, output: 1 }\n")
      out.length = 0
      expect(await run("status")).toBe(0)
      expect(out.join("\n")).toMatch(/budget: \$0\.00 of \$100\.00 today · writers running/)
    } finally {
      cleanup()
    }
  })
})
