import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { type ChaosOptions, defaultChaosOptions, formatSummary, runChaos, runScenario, type ScenarioName } from "../../chaos/Runner.ts"
import { runCli } from "../../src/cli/Cli.ts"
import { chaosCommand } from "../../src/cli/commands/chaos.ts"

/**
 * Chaos day in its short form: every scenario against real `serve` processes, small
 * workloads, 2 s faults, a paced writer, short leases and back-offs — and the zero-loss,
 * zero-duplicate audit of the full runner.
 */
const lines: Array<string> = []
const options: ChaosOptions = {
  ...defaultChaosOptions,
  seed: 7,
  durationMs: 2_000,
  boundMs: 60_000,
  projects: 2,
  episodes: 5,
  concurrency: 2,
  paceMs: 300,
  fast: true,
  kills: 2,
  out: (line) => lines.push(line),
}

const hasRedis = spawnSync(process.env["REDIS_SERVER"] ?? "redis-server", ["--version"]).status === 0

const check = async (name: ScenarioName) => {
  lines.length = 0
  const report = await runScenario(name, options)
  const transcript = lines.join("\n")
  expect(report.problems, transcript).toEqual([])
  expect(report.accepted, transcript).toBe(options.projects * options.episodes)
  expect(report.lost, transcript).toBe(0)
  expect(report.duplicated, transcript).toBe(0)
  expect(report.committed + report.dead + report.waiting, transcript).toBe(report.accepted)
  expect(report.broke.length, transcript).toBeGreaterThan(0)
  expect(report.recoveries.length, transcript).toBeGreaterThan(0)
  for (const r of report.recoveries) expect(r.ok && r.withinMs !== null && r.withinMs <= options.boundMs, transcript).toBe(true)
  expect(report.ok, transcript).toBe(true)
  expect(transcript).toMatch(/Recovered within \d+\.\d s ✅/)
  expect(transcript).toContain("PASS ✅")
  return { report, transcript }
}

describe("chaos day (short form, real processes)", () => {
  it("kill-worker: stages crash at random; crashed workers restart and every job ends", async () => {
    const { transcript } = await check("kill-worker")
    expect(transcript).toMatch(/crashes stopped \(\d+ worker crashes/)
  }, 60_000)

  it("kill-process: serve SIGKILLed twice and restarted; nothing lost, nothing twice", async () => {
    const { report } = await check("kill-process")
    expect(report.recoveries).toHaveLength(2)
  }, 60_000)

  it.runIf(hasRedis)("redis-down: the queue's Redis stops for 2 s and comes back", async () => {
    await check("redis-down")
  }, 60_000)

  it("llm-faults: the OpenAI-compatible simulator serves 429s, 500s, hangs and truncations", async () => {
    const { transcript } = await check("llm-faults")
    expect(transcript).toMatch(/during the faults: \d+ × 429/)
  }, 60_000)

  it("store-errors: episode commits fail before or lose their answer after", async () => {
    await check("store-errors")
  }, 60_000)
})

describe("chaos command", () => {
  const cli = async (argv: ReadonlyArray<string>) => {
    const out: Array<string> = []
    const err: Array<string> = []
    const code = await runCli([chaosCommand(runChaos)], "test", argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, cwd: process.cwd() })
    return { code, out: out.join("\n"), err: err.join("\n") }
  }

  it("refuses an unknown scenario or a bad duration with exit 2", async () => {
    expect((await cli(["chaos", "meteor"])).code).toBe(2)
    const bad = await cli(["chaos", "kill-worker", "--duration", "soon"])
    expect(bad.code).toBe(2)
    expect(bad.err).toContain("--duration")
    // the same rule as `load`: a bare number names no unit, and the unit is never guessed
    const bare = await cli(["chaos", "kill-worker", "--bound", "20"])
    expect(bare.code).toBe(2)
    expect(bare.err).toMatch(/--bound: expected a duration such as 500ms, 60s/)
  })

  it("prints a summary table", () => {
    const table = formatSummary(
      [{ scenario: "kill-worker", broke: ["x"], recoveries: [{ what: "x", withinMs: 1200, ok: true }], accepted: 4, committed: 3, dead: 1, waiting: 0, lost: 0, duplicated: 0, problems: [], unexpectedExits: 0, ok: true, elapsedMs: 1 }],
      300_000,
    )
    expect(table).toMatch(/kill-worker\s+4\s+3\s+1\s+0\s+0\s+1\.2 s\s+✅/)
    expect(table).toMatch(/total .*bound 300\.0 s\s+✅/)
  })
})
