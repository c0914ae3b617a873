/**
 * The plugin loader and the `Plugins` service: refusing wrong shapes, plugins.yaml errors,
 * hot swap (snapshot per job), isolation (throws, hangs on TestClock, garbage) and disabling.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, PubSub } from "effect"
import { TestClock } from "effect/testing"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { EventBus } from "../../src/events/EventBus.ts"
import type { FactoryEvent } from "../../src/events/FactoryEvent.ts"
import { guardDraft } from "../../src/guard/Guard.ts"
import { registerPlugin } from "../../src/plugins/PluginApi.ts"
import { jobPlugins, Plugins } from "../../src/plugins/Plugins.ts"
import { parsePluginsConfig, PluginsConfigError } from "../../src/plugins/PluginsConfig.ts"
import { aliasBomb as bombAfter } from "../support/aliasBomb.ts"

const roots: Array<string> = []
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true })
})

/** A data directory with plugins under `<home>/plugins`. */
const makeHome = (plugins: Record<string, string>, yaml?: string) => {
  const home = mkdtempSync(join(tmpdir(), "nf-plugins-"))
  roots.push(home)
  for (const [name, code] of Object.entries(plugins)) writePlugin(home, name, code)
  if (yaml !== undefined) writeFileSync(join(home, "plugins.yaml"), yaml)
  return home
}
const writePlugin = (home: string, name: string, code: string) => {
  mkdirSync(join(home, "plugins", name), { recursive: true })
  writeFileSync(join(home, "plugins", name, "index.ts"), code)
}
const options = (home: string, extra: { maxFaults?: number; timeoutMs?: number } = {}) => ({ home, dirs: [join(home, "plugins")], ...extra })

const job = { episode: 1, language: "ko", genre: "test" }

/** Collects the events published while `body` runs. */
const withEvents = <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.gen(function* () {
    const bus = yield* EventBus
    const sub = yield* bus.subscribe
    const a = yield* body
    yield* Effect.yieldNow
    const events: Array<FactoryEvent> = yield* PubSub.takeAll(sub)
    return [a, events] as const
  }))

const project = { language: "ko", lengthBand: { min: 1, max: 10_000 }, bannedWords: [] }
const bible = { characters: [] }

describe("plugin API", () => {
  it("refuses a module without register, or with a register that is not a function, naming the plugin", () => {
    const none = registerPlugin("shy", "/x", { hello: 1 }, {})
    expect("_tag" in none && none.message).toMatch(/plugin 'shy' refused: .*exports no `register`/)
    const num = registerPlugin("numb", "/x", { register: 42 }, {})
    expect("_tag" in num && num.message).toMatch(/plugin 'numb' refused: `register` is number/)
    const badHook = registerPlugin("hooky", "/x", { register: (p: any) => p.transformText("not a function") }, {})
    expect("_tag" in badHook && badHook.message).toMatch(/plugin 'hooky' refused: transformText was given string, expected a function/)
    const empty = registerPlugin("idle", "/x", { register: () => {} }, {})
    expect("_tag" in empty && empty.message).toMatch(/plugin 'idle' refused: `register` added no hook/)
    const thrower = registerPlugin("grumpy", "/x", { register: () => { throw new Error("nope") } }, {})
    expect("_tag" in thrower && thrower.message).toMatch(/plugin 'grumpy' refused: `register` threw: nope/)
  })

  it.effect("the service lists a wrong-shaped plugin as refused, with its name and what was wrong, and runs without it", () =>
    Effect.gen(function* () {
      const home = makeHome(
        {
          wrong: "export const register = { not: 'a function' }\n",
          good: "export const register = (p) => p.promptAdditions(() => ['짧게 쓴다.'])\n",
        },
        "enabled: [wrong, good, missing]\n",
      )
      const plugins = yield* Plugins.make(options(home))
      const list = yield* plugins.list
      const wrong = list.find((p) => p.name === "wrong")!
      expect(wrong.refused).toMatch(/plugin 'wrong' refused: `register` is object, expected a function/)
      expect(list.find((p) => p.name === "missing")!.refused).toMatch(/plugin 'missing' is enabled in .*plugins.yaml but no folder/)
      expect(list.find((p) => p.name === "good")).toMatchObject({ refused: null, enabledWhere: ["global"], hooks: "prompt" })
      const set = yield* plugins.snapshot("any")
      expect(set.plugins.map((p) => p.name)).toEqual(["good"])
      expect(yield* set.promptAdditions(job)).toEqual(["짧게 쓴다."])
    }))
})

const aliasBomb = bombAfter(["enabled: [tag]"])

describe("plugins.yaml", () => {
  it("names the file, the line and the key of an error", () => {
    const bad = parsePluginsConfig("/data/plugins.yaml", "enabled: [a]\nprojects:\n  novel:\n    enabled: [b, 3]\n")
    expect(bad).toMatchObject({ message: "/data/plugins.yaml:4: projects.novel.enabled[1]: Expected string, got 3" })
    const unknown = parsePluginsConfig("/data/plugins.yaml", "enabled: [a]\nsettings:\n  timeoutMs: 0\n")
    expect(unknown).toMatchObject({ message: expect.stringMatching(/^\/data\/plugins\.yaml:3: settings\.timeoutMs: Expected a value greater than or equal to 1/) })
    const excess = parsePluginsConfig("/data/plugins.yaml", "enabled: [a]\nenable: [b]\n")
    expect(excess).toMatchObject({ message: "/data/plugins.yaml:2: enable: Unknown key" })
    const syntax = parsePluginsConfig("/data/plugins.yaml", "enabled: [a\n")
    expect(syntax).toMatchObject({ message: expect.stringMatching(/^\/data\/plugins\.yaml:\d+: /) })
  })

  it("refuses an alias bomb, naming the file and the line, without expanding it", () => {
    const bomb = parsePluginsConfig("/data/plugins.yaml", aliasBomb)
    expect(bomb).toBeInstanceOf(PluginsConfigError)
    expect(bomb).toMatchObject({ message: expect.stringMatching(/^\/data\/plugins\.yaml:6: YAML alias \*d expands the document to \d+ nodes \(an alias bomb\?\)/) })
  })

  it.effect("a hot-reloaded alias bomb does not crash a writer: the last good plugins.yaml stays in force, with an alert", () =>
    Effect.gen(function* () {
      const home = makeHome({ tag: "export const register = (p) => p.promptAdditions(() => ['tag'])\n" }, "enabled: [tag]\n")
      const plugins = yield* Plugins.make(options(home))
      expect((yield* plugins.snapshot("x")).plugins).toHaveLength(1)
      writeFileSync(join(home, "plugins.yaml"), aliasBomb)
      expect((yield* plugins.snapshot("x")).plugins.map((p) => p.name)).toEqual(["tag"])
      expect(yield* plugins.configError).toMatch(/plugins\.yaml:6: YAML alias \*d .*alias bomb/)
      // asked again, the same text is not re-read, and the error stays in force
      expect((yield* plugins.snapshot("x")).plugins).toHaveLength(1)
      expect(yield* plugins.configError).toMatch(/alias bomb/)
    }))

  it.effect("a broken plugins.yaml keeps the last good one in force and says why", () =>
    Effect.gen(function* () {
      const home = makeHome({ tag: "export const register = (p) => p.promptAdditions(() => ['tag'])\n" }, "enabled: [tag]\n")
      const plugins = yield* Plugins.make(options(home))
      expect((yield* plugins.snapshot("x")).plugins).toHaveLength(1)
      writeFileSync(join(home, "plugins.yaml"), "enabled: [tag]\nprojects:\n  x: { enabled: 7 }\n")
      expect((yield* plugins.snapshot("x")).plugins).toHaveLength(1)
      expect(yield* plugins.configError).toMatch(/plugins\.yaml:3: projects\.x\.enabled: Expected array/)
    }))
})

describe("hot swap", () => {
  it.effect("an edit of plugins.yaml or of a plugin's code takes effect for the next snapshot, not for an earlier one", () =>
    Effect.gen(function* () {
      const home = makeHome({ shout: "export const register = (p) => p.transformText((t) => t + '!')\n" }, "enabled: []\n")
      const plugins = yield* Plugins.make(options(home))
      const before = yield* plugins.snapshot("noir")
      expect(yield* before.transform("밤", job)).toBe("밤")

      // enable it for one project
      writeFileSync(join(home, "plugins.yaml"), "projects:\n  noir:\n    enabled: [shout]\n")
      const enabled = yield* plugins.snapshot("noir")
      expect(yield* enabled.transform("밤", job)).toBe("밤!")
      expect(yield* (yield* plugins.snapshot("other")).transform("밤", job)).toBe("밤")
      expect(yield* before.transform("밤", job)).toBe("밤") // the job in flight keeps its set

      // edit the plugin's code
      writePlugin(home, "shout", "export const register = (p) => p.transformText((t) => t + '?')\n")
      const edited = yield* plugins.snapshot("noir")
      expect(yield* edited.transform("밤", job)).toBe("밤?")
      expect(yield* enabled.transform("밤", job)).toBe("밤!") // bound to the version it started with
      const info = (yield* plugins.list).find((p) => p.name === "shout")!
      expect(info.enabledWhere).toEqual(["noir"])
    }))
})

describe("isolation", () => {
  it.effect("a plugin that throws on every call is skipped each time, recorded, and disabled after its limit", () =>
    Effect.gen(function* () {
      const home = makeHome(
        {
          boom: "export const register = (p) => { p.promptAdditions(() => { throw new Error('kaboom') }); p.bannedWords(() => ['금지어']) }\n",
          calm: "export const register = (p) => p.promptAdditions(() => ['평온'])\n",
        },
        "enabled: [boom, calm]\nsettings: { maxFaults: 3 }\n",
      )
      const plugins = yield* Plugins.make(options(home))
      const [results, events] = yield* withEvents(Effect.gen(function* () {
        const out: Array<{ additions: ReadonlyArray<string>; faults: number; banned: ReadonlyArray<string> }> = []
        for (let i = 0; i < 5; i++) {
          const p = yield* jobPlugins("novel", job)
          out.push({ additions: p.promptAdditions, faults: (yield* p.set.faults).length, banned: p.bannedWords })
          // the guard of that job still runs, with a plugin.failed warning for the writer's fault
          const verdict = guardDraft({ text: "가나다라", episode: 1, project, bible, recent: [], extraChecks: p.checks, extraBannedWords: p.bannedWords })
          if (i < 3) expect(verdict.findings.map((f) => f.code)).toEqual(["plugin.failed"])
        }
        return { out, list: yield* plugins.list }
      }).pipe(Effect.provideService(Plugins, plugins)))
      // every job went on with the healthy plugin's additions
      expect(results.out.map((r) => r.additions)).toEqual([["평온"], ["평온"], ["평온"], ["평온"], ["평온"]])
      expect(results.out.map((r) => r.faults)).toEqual([1, 1, 1, 0, 0])
      // disabled at its third fault (job 3's prompt additions): its other hook is off from then on, in that job too
      expect(results.out.map((r) => r.banned.length)).toEqual([1, 1, 0, 0, 0])
      const boom = results.list.find((p) => p.name === "boom")!
      expect(boom).toMatchObject({ disabled: true, faults: 3, lastError: { hook: "promptAdditions", message: "threw: kaboom" } })
      const alerts = events.filter((e) => e._tag === "Alert")
      expect(alerts.filter((a) => a.rule === "plugin.failed:boom" && a.state === "firing")).toHaveLength(3)
      expect(alerts.filter((a) => a.rule === "plugin.disabled:boom" && a.state === "firing")).toHaveLength(1)
      // editing the plugin enables it again
      writePlugin(home, "boom", "export const register = (p) => p.promptAdditions(() => ['고쳤다'])\n")
      const fixed = yield* plugins.snapshot("novel")
      expect(yield* fixed.promptAdditions(job)).toEqual(["고쳤다", "평온"])
      expect((yield* plugins.list).find((p) => p.name === "boom")).toMatchObject({ disabled: false })
    }).pipe(Effect.provide(EventBus.layer())))

  it.effect("a hanging hook times out on Effect's clock and the stage continues", () =>
    Effect.gen(function* () {
      const home = makeHome(
        { slow: "export const register = (p) => p.bannedWords(() => new Promise(() => {}))\n" },
        "enabled: [slow]\nsettings: { timeoutMs: 2000 }\n",
      )
      const plugins = yield* Plugins.make(options(home))
      const set = yield* plugins.snapshot("novel")
      const fiber = yield* set.bannedWords(job).pipe(Effect.forkChild)
      yield* TestClock.adjust("1 second")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toEqual([])
      const faults = yield* set.faults
      expect(faults).toHaveLength(1)
      expect(faults[0]).toMatchObject({ code: "plugin.failed", severity: "warning", category: "style" })
      expect(faults[0]!.message).toMatch(/plugin 'slow' \(bannedWords\) failed and was skipped: hung: no answer within 2000 ms/)
    }))

  it.effect("garbage from a hook (wrong type, a transform that loses the text, malformed findings) is a fault", () =>
    Effect.gen(function* () {
      const home = makeHome(
        {
          junk: [
            "export const register = (p) => {",
            "  p.promptAdditions(() => [1, 2])",
            "  p.transformText(() => '')",
            "  p.check('bad-findings', () => [{ code: 1 }])",
            "}",
          ].join("\n"),
        },
        "enabled: [junk]\nsettings: { maxFaults: 10 }\n",
      )
      const plugins = yield* Plugins.make(options(home))
      const set = yield* plugins.snapshot("novel")
      expect(yield* set.promptAdditions(job)).toEqual([])
      expect(yield* set.transform("원래 본문이다.", job)).toBe("원래 본문이다.")
      const verdict = guardDraft({ text: "가나다라", episode: 1, project, bible, recent: [], extraChecks: set.checks })
      expect(verdict.accepted).toBe(true)
      const messages = (yield* set.faults).map((f) => f.message)
      expect(messages[0]).toMatch(/\(promptAdditions\) failed and was skipped: returned garbage: Expected string/)
      expect(messages[1]).toMatch(/\(transformText\) failed and was skipped: returned garbage: the text went from 8 to 0 characters/)
      expect(messages[2]).toMatch(/\(check bad-findings\) failed and was skipped: returned garbage/)
    }))

  it.effect("without the Plugins service the pipeline runs with no plugins", () =>
    Effect.gen(function* () {
      const p = yield* jobPlugins("novel", job)
      expect(p.promptAdditions).toEqual([])
      expect(p.checks).toEqual([])
      expect(yield* p.transform("본문")).toBe("본문")
      expect(Option.isNone(yield* Effect.serviceOption(Plugins))).toBe(true)
    }))
})

