import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadConfig } from "../../src/config/LoadConfig.ts"
import { pluginsListCommand } from "../../src/cli/commands/plugins.ts"
import { statusCommand } from "../../src/cli/commands/story.ts"
import { runCommand } from "../support/cliHarness.ts"
import { aliasBomb as bombAfter } from "../support/aliasBomb.ts"

const root = mkdtempSync(join(tmpdir(), "nf-config-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

/** A data directory with this factory.yaml. */
const homeWith = (yaml: string | undefined): string => {
  const home = join(root, `home-${n++}`)
  mkdirSync(home, { recursive: true })
  if (yaml !== undefined) writeFileSync(join(home, "factory.yaml"), yaml)
  return home
}

const load = (yaml: string | undefined, env: Record<string, string> = {}) => {
  const home = homeWith(yaml)
  return loadConfig({ env: { FACTORY_HOME: home, ...env }, cwd: root }).pipe(
    Effect.map((config) => ({ home, config, error: undefined })),
    Effect.catchTag("ConfigError", (error) => Effect.succeed({ home, config: undefined, error: error.message })),
  )
}

const aliasBomb = bombAfter()

describe("loadConfig", () => {
  it.effect("defaults without a file; a valid file's keys win", () =>
    Effect.gen(function* () {
      const none = yield* load(undefined)
      expect(none.error).toBeUndefined()
      expect(none.config!.pipeline.concurrency).toBe(4)
      const some = yield* load("pipeline: { concurrency: 8 }\nbackup: { schedule: '30 3 * * *', timeZone: Asia/Seoul }\ncanary: { genre: modern_noir }\ndemoGenre: romance_comedy\n")
      expect(some.error).toBeUndefined()
      expect(some.config!.pipeline.concurrency).toBe(8)
      expect(some.config!.backup?.schedule).toBe("30 3 * * *")
    }))

  it.effect("an alias bomb is an error naming the file and the line, not a stack trace", () =>
    Effect.gen(function* () {
      const { home, error } = yield* load(aliasBomb)
      expect(error).toBe(`${join(home, "factory.yaml")}:5: YAML alias *d expands the document to 15670 nodes (an alias bomb?); at most 10000 are allowed`)
    }))

  it.effect("a cron expression that does not parse names backup.schedule and its line", () =>
    Effect.gen(function* () {
      const { home, error } = yield* load("pipeline: { concurrency: 2 }\nbackup:\n  schedule: '61 4 * * 0'\n")
      expect(error).toMatch(new RegExp(`^${join(home, "factory.yaml")}:3: backup\\.schedule: '61 4 \\* \\* 0' is not a cron expression: Expected a value between 0 and 59`))
      const fields = yield* load("backup: { schedule: every sunday }\n")
      expect(fields.error).toMatch(/factory\.yaml:1: backup\.schedule: 'every sunday' is not a cron expression: Invalid number of segments/)
      const zone = yield* load("backup:\n  schedule: '0 4 * * 0'\n  timeZone: Mars/Olympus\n")
      expect(zone.error).toMatch(/factory\.yaml:3: backup\.timeZone: 'Mars\/Olympus' is not a time zone/)
    }))

  it.effect("the alerts, journal and backup sections are decoded with the rest: a bad value or a misspelt key names it and its line", () =>
    Effect.gen(function* () {
      const range = yield* load("alerts:\n  successFloor: 70\n")
      expect(range.error).toMatch(/factory\.yaml:2: alerts\.successFloor: /)
      const typo = yield* load("alerts:\n  queueCritcal: 5\n")
      expect(typo.error).toMatch(/factory\.yaml:2: alerts\.queueCritcal: /)
      const retention = yield* load("backup:\n  retention: { keepLast: -1 }\n")
      expect(retention.error).toMatch(/factory\.yaml:2: backup\.retention\.keepLast: /)
      const journal = yield* load("journal: { retentionDays: -1 }\n")
      expect(journal.error).toMatch(/factory\.yaml:1: journal\.retentionDays: /)
      const fine = yield* load("alerts: { queueCritical: 50 }\njournal: { retentionDays: 7 }\n")
      expect([fine.config?.alerts?.queueCritical, fine.config?.journal?.retentionDays]).toEqual([50, 7])
    }))

  it.effect("a genre without a template is refused for canary.genre and demoGenre, listing the known ones", () =>
    Effect.gen(function* () {
      const { home, error } = yield* load("canary:\n  enabled: true\n  genre: space_opera\ndemoGenre: western\n")
      expect(error!.split("\n")).toEqual([
        `${join(home, "factory.yaml")}:3: canary.genre: unknown genre 'space_opera' (the templates are: fantasy_kr, modern_noir, romance_comedy)`,
        `${join(home, "factory.yaml")}:4: demoGenre: unknown genre 'western' (the templates are: fantasy_kr, modern_noir, romance_comedy)`,
      ])
    }))

  it.effect("bounds: pipeline.concurrency 1–256, from the file or from the environment", () =>
    Effect.gen(function* () {
      const { home, error } = yield* load("pipeline:\n  concurrency: 100000\n")
      expect(error).toMatch(new RegExp(`^${join(home, "factory.yaml")}:2: pipeline\\.concurrency: Expected a value between 1 and 256, got 100000`))
      const env = yield* load(undefined, { FACTORY_CONCURRENCY: "100000" })
      expect(env.error).toMatch(/^FACTORY_CONCURRENCY=100000: pipeline\.concurrency: Expected a value between 1 and 256, got 100000/)
      // the variable wins over the file's key, and is named even though the file has the key
      const both = yield* load("pipeline:\n  concurrency: 4\n", { FACTORY_CONCURRENCY: "100000" })
      expect(both.error).toMatch(/^FACTORY_CONCURRENCY=100000: pipeline\.concurrency: /)
      const zero = yield* load("pipeline: { concurrency: 0, stageTimeoutMs: 0 }\n")
      expect(zero.error!.split("\n")).toHaveLength(2)
      expect(zero.error).toMatch(/:1: pipeline\.stageTimeoutMs: Expected a value greater than or equal to 1, got 0/)
    }))

  it.effect("pipeline.shutdownGraceMs: 20 s unless said, 0–600 000 ms", () =>
    Effect.gen(function* () {
      expect((yield* load(undefined)).config?.pipeline.shutdownGraceMs).toBe(20_000)
      expect((yield* load("pipeline: { shutdownGraceMs: 0 }\n")).config?.pipeline.shutdownGraceMs).toBe(0)
      const { error } = yield* load("pipeline:\n  shutdownGraceMs: 3600000\n")
      expect(error).toMatch(/factory\.yaml:2: pipeline\.shutdownGraceMs: Expected a value between 0 and 600000, got 3600000/)
    }))

  it.effect("a back-off cap below its base is refused at the cap's line", () =>
    Effect.gen(function* () {
      const { error } = yield* load("supervision:\n  backoffBaseMs: 5000\n  backoffMaxMs: 1000\n")
      expect(error).toMatch(/factory\.yaml:3: supervision\.backoffMaxMs: Expected at least backoffBaseMs \(5000\), got 1000/)
    }))

  it.effect("every problem is listed, one a line, in file order", () =>
    Effect.gen(function* () {
      const schema = yield* load("api: { port: 99999 }\npipeline:\n  concurrency: 999\n  acceptReward: 2\n")
      expect(schema.error!.split("\n").map((l) => l.replace(/^.*factory\.yaml:(\d+): ([^:]+):.*$/, "$1 $2"))).toEqual([
        "1 api.port",
        "3 pipeline.concurrency",
        "4 pipeline.acceptReward",
      ])
      // the whole-config checks run once the schema holds
      const checks = yield* load("demoGenre: nope\nbackup: { schedule: 'x' }\ncanary: { genre: nope }\n")
      expect(checks.error!.split("\n").map((l) => l.replace(/^.*factory\.yaml:(\d+): ([^:]+):.*$/, "$1 $2"))).toEqual([
        "1 demoGenre",
        "2 backup.schedule",
        "3 canary.genre",
      ])
    }))
})

describe("the CLI exits 2 on a bad input file", () => {
  it("factory.yaml: an alias bomb", async () => {
    const home = homeWith(aliasBomb)
    const run = await runCommand([statusCommand], ["status"], { FACTORY_HOME: home }, root)
    expect(run.code).toBe(2)
    expect(run.err).toContain(`${join(home, "factory.yaml")}:5: YAML alias *d`)
  })

  it("plugins.yaml: an alias bomb, or a wrong key", async () => {
    const home = homeWith(undefined)
    writeFileSync(join(home, "plugins.yaml"), aliasBomb)
    const bomb = await runCommand([pluginsListCommand], ["list"], { FACTORY_HOME: home }, root)
    expect(bomb.code).toBe(2)
    expect(bomb.err).toContain(`${join(home, "plugins.yaml")}:5: YAML alias *d`)
    writeFileSync(join(home, "plugins.yaml"), "enabled: [a]\nenable: [b]\n")
    const key = await runCommand([pluginsListCommand], ["list"], { FACTORY_HOME: home }, root)
    expect(key.code).toBe(2)
    expect(key.err).toContain(`${join(home, "plugins.yaml")}:2: enable: Unknown key`)
  })
})
