/**
 * The seeds' end-to-end check with plugins: 3 genres × 2 plugins × 5 episodes through the
 * whole factory (`launchWith`: supervision tree, workers, SQLite store and queue, offline
 * writer) with the `Plugins` service in its infrastructure, on TestClock. Guard failure
 * (rejected drafts / all drafts, dead jobs counted as failed) ≤ 5 % and mean reward ≥ 0.8,
 * results printed. The plugins' effects are checked in what was committed.
 *
 * Then hot swap in the running factory: a plugin enabled in plugins.yaml while it runs
 * shows in the next episodes, and a plugin that throws on every call is disabled after its
 * limit while the factory keeps committing.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Scope } from "effect"
import { TestClock } from "effect/testing"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { isFinal } from "../../src/domain/Job.ts"
import type { Episode } from "../../src/domain/Episode.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import type { FactoryEvent } from "../../src/events/FactoryEvent.ts"
import { FaultPoints } from "../../src/factory/FaultPoints.ts"
import { Intake } from "../../src/factory/Intake.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import { OfflineWriter } from "../../src/llm/OfflineWriter.ts"
import { shippedPluginsDir } from "../../src/plugins/Loader.ts"
import { Plugins } from "../../src/plugins/Plugins.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { launchWith } from "../../supervisors/Launch.ts"
import { parseWords } from "../../plugins/banned_words_ko/index.ts"
import { trimDialogueAdverbs } from "../../plugins/noir_dialogue/index.ts"
import { readFileSync } from "node:fs"

const GENRES = ["fantasy_kr", "modern_noir", "romance_comedy"] as const
const PLUGINS = ["noir_dialogue", "banned_words_ko"] as const
const EPISODES = 5

const slugOf = (genre: string, plugin: string) => `${genre.replace(/_/g, "-")}-${plugin.replace(/_/g, "-")}`

/** The factory on an in-memory SQLite database, with the Plugins service of `home`. */
const factory = (home: string, dirs: ReadonlyArray<string>, writer: Layer.Layer<LanguageModel> = OfflineWriter.layer) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const database = yield* Layer.buildWithScope(Database.layer({ path: ":memory:" }), scope)
    const settings = { ...defaultConfig(home).pipeline, concurrency: 3, leaseMs: 15_000, pollMs: 500, retryDelayMs: 1_000, stageTimeoutMs: 60_000 }
    const infrastructure = Layer.mergeAll(Intake.layer, Projects.layer, Plugins.layer({ home, dirs })).pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          SqliteJobQueue.layer({ maxDeliveries: settings.maxDeliveries }),
          SqliteStoryStore.layer,
          writer,
          Layer.succeed(PipelineSettings, settings),
          FaultPoints.none,
        ),
      ),
      Layer.provideMerge(EventBus.layer({ keep: 20_000 })),
      Layer.provide(Layer.succeedContext(database)),
    )
    const running = yield* launchWith(infrastructure, { mode: "test", supervision: defaultConfig(home).supervision }).pipe(Scope.provide(scope))
    const use = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.provideContext(effect, running.services as any) as Effect.Effect<A, E>
    /** Steps the clock until every job is final (or `maxMs` passes). */
    const settle = (maxMs = 30 * 60_000) =>
      Effect.gen(function* () {
        for (let t = 0; t < maxMs; t += 1_000) {
          const jobs = yield* use(JobQueue.use((q) => q.list({ limit: 10_000 })))
          if (jobs.length > 0 && jobs.every((j) => isFinal(j.state))) return jobs
          yield* TestClock.adjust(1_000)
        }
        return yield* use(JobQueue.use((q) => q.list({ limit: 10_000 })))
      })
    return { use, settle, close: Scope.close(scope, Exit.void) }
  })

/** Every committed episode of a project, in full (body, findings). */
const fullEpisodes = (slug: string) =>
  StoryStore.use((s) =>
    Effect.flatMap(s.listEpisodes(slug), (list) =>
      Effect.forEach(list, (e) => Effect.map(s.getEpisode(slug, e.number), (o) => (Option.isSome(o) ? [o.value] : []))))
  ).pipe(Effect.map((xs) => xs.flat()))

const tempHome = () => mkdtempSync(join(tmpdir(), "nf-e2e-"))

/**
 * A writer that answers the way chat models deliver an episode: the offline composer's episode inside
 * a preamble and a code fence with a sign-off, as a JSON object, cut short (the rest comes when the
 * worker asks for a continuation), or bare — chosen per draft by a hash, so every run is the same.
 */
const chatModelWriter = () => {
  const rest = new Map<string, string>()
  const offline = OfflineWriter.make
  return Layer.succeed(LanguageModel, LanguageModel.of({
    name: "chat-model",
    complete: (request) => {
      const last = request.messages.at(-1)
      if (request.brief === undefined && last !== undefined && last.content.includes("Continue the story exactly where it stops")) {
        // the request shows how the draft ends now (its last paragraphs, after "…" when cut): the draft that ends so
        const shown = (request.messages.at(-2)?.content ?? "").replace(/^…\n\n/, "").trim()
        const sofar = [...rest.keys()].find((draft) => draft.endsWith(shown))
        return Effect.succeed({ text: sofar === undefined ? "" : rest.get(sofar)!, finishReason: "stop" as const, usage: { promptTokens: 10, cachedTokens: 0, completionTokens: 10 }, model: "chat", provider: "chat-model" })
      }
      return Effect.map(offline.complete(request), (c) => {
        const brief = request.brief!
        const form = (brief.episode * 7 + brief.draft * 3 + brief.project.length) % 4
        const [title, ...lines] = c.text.split("\n")
        const body = lines.join("\n").trim()
        let text = c.text
        if (form === 0) text = `물론입니다! 요청하신 ${brief.episode}화를 작성했습니다.\n\n\`\`\`markdown\n${c.text}\n\`\`\`\n\n수정이 필요하시면 말씀해 주세요!`
        if (form === 1) text = JSON.stringify({ title: title!.replace(/^#\s*/, ""), content: body })
        if (form === 2) {
          // the answer stops a fifth of the way short of the band, at a paragraph
          const paragraphs = c.text.split("\n\n")
          const keep = Math.max(2, Math.floor(paragraphs.length * 0.8))
          text = paragraphs.slice(0, keep).join("\n\n")
          rest.set(text.trim(), paragraphs.slice(keep).join("\n\n"))
        }
        return { ...c, text, model: "chat", provider: "chat-model" }
      })
    },
  }))
}

describe("plugins end to end (whole factory, TestClock)", () => {
  for (const writer of ["offline writer", "chat model"] as const) {
  it.effect(`3 genres × 2 plugins × 5 episodes (${writer}): guard failure ≤ 5 %, mean reward ≥ 0.8, plugins in effect`, () =>
    Effect.gen(function* () {
      const home = tempHome()
      const projects = GENRES.flatMap((g) => PLUGINS.map((p) => ({ genre: g, plugin: p, slug: slugOf(g, p) })))
      writeFileSync(
        join(home, "plugins.yaml"),
        ["projects:", ...projects.flatMap((p) => [`  ${p.slug}:`, `    enabled: [${p.plugin}]`])].join("\n") + "\n",
      )
      const f = yield* factory(home, [shippedPluginsDir], writer === "chat model" ? chatModelWriter() : OfflineWriter.layer)
      for (const p of projects) {
        yield* f.use(Projects.use((ps) => ps.create({ slug: p.slug, genre: p.genre })))
        yield* f.use(JobQueue.use((q) => q.enqueue(p.slug, Array.from({ length: EPISODES }, (_, i) => i + 1))))
      }
      const jobs = yield* f.settle()
      const episodes: Array<Episode & { plugin: string }> = []
      for (const p of projects) {
        for (const e of yield* f.use(fullEpisodes(p.slug))) episodes.push({ ...e, plugin: p.plugin })
      }
      const listed = yield* f.use(Plugins.use((ps) => ps.list))
      yield* f.close

      const dead = jobs.filter((j) => j.state === "dead")
      const drafts = episodes.reduce((n, e) => n + e.drafts, 0) + dead.length
      const failed = episodes.reduce((n, e) => n + e.drafts - 1, 0) + dead.length
      const meanReward = episodes.reduce((s, e) => s + e.reward, 0) / Math.max(1, episodes.length)
      const guardFailure = failed / Math.max(1, drafts)
      const rows = projects.map((p) => {
        const mine = episodes.filter((e) => e.project === p.slug)
        const reward = mine.reduce((s, e) => s + e.reward, 0) / Math.max(1, mine.length)
        return `${p.slug.padEnd(32)} committed ${mine.length}/${EPISODES}  drafts ${mine.reduce((n, e) => n + e.drafts, 0)}  mean reward ${reward.toFixed(3)}`
      })
      console.log(
        `plugins e2e (${writer}): ${GENRES.length} genres × ${PLUGINS.length} plugins × ${EPISODES} episodes = ${jobs.length} jobs; ` +
          `committed ${episodes.length}, dead ${dead.length}; drafts ${drafts}; guard failure ${(guardFailure * 100).toFixed(1)}%; mean reward ${meanReward.toFixed(3)}\n` +
          rows.join("\n"),
      )
      expect(jobs).toHaveLength(GENRES.length * PLUGINS.length * EPISODES)
      expect(dead.map((j) => j.reason)).toEqual([])
      expect(guardFailure).toBeLessThanOrEqual(0.05)
      expect(meanReward).toBeGreaterThanOrEqual(0.8)
      expect(episodes.flatMap((e) => e.findings).filter((f) => f.code === "plugin.failed")).toEqual([])

      // noir_dialogue's editor transform ran: trimming again changes nothing in its projects' episodes …
      const noir = episodes.filter((e) => e.plugin === "noir_dialogue")
      const other = episodes.filter((e) => e.plugin !== "noir_dialogue")
      expect(noir.filter((e) => trimDialogueAdverbs(e.body) !== e.body).map((e) => `${e.project}/${e.number}`)).toEqual([])
      // … while the offline writer does put adverbs on dialogue tags, as the other projects show
      expect(other.filter((e) => trimDialogueAdverbs(e.body) !== e.body).length).toBeGreaterThan(0)
      // banned_words_ko: none of its words in what was committed
      const words = parseWords(readFileSync(join(shippedPluginsDir, "banned_words_ko", "words.txt"), "utf8"))
      for (const e of episodes.filter((x) => x.plugin === "banned_words_ko")) for (const w of words) expect(e.body.includes(w), `${w} in ${e.project}/${e.number}`).toBe(false)
      expect(listed.filter((p) => PLUGINS.includes(p.name as never)).map((p) => [p.name, p.refused, p.disabled])).toEqual(
        [...PLUGINS].sort().map((p) => [p, null, false]),
      )
      if (writer === "chat model") {
        // what the chat model wrapped around its answers was stripped and recorded, never committed
        const stripped = episodes.flatMap((e) => e.findings).filter((x) => x.code.startsWith("sanitize."))
        expect(stripped.length).toBeGreaterThan(0)
        for (const e of episodes) expect(e.body, `${e.project}/${e.number}`).not.toMatch(/물론입니다|```|"content"|말씀해 주세요/)
      }
      rmSync(home, { recursive: true, force: true })
    }), { timeout: 300_000 })
  }

  it.effect("hot swap while the factory runs; a plugin that always throws is disabled and the factory keeps committing", () =>
    Effect.gen(function* () {
      const home = tempHome()
      const dir = join(home, "plugins")
      const write = (name: string, code: string) => {
        mkdirSync(join(dir, name), { recursive: true })
        writeFileSync(join(dir, name, "index.ts"), code)
      }
      // a marker transform, and a plugin whose every hook throws
      write("marker", "export const register = (p) => p.transformText((t) => t.trimEnd() + '\\n\\n(표식)\\n')\n")
      write("broken", "export const register = (p) => { p.promptAdditions(() => { throw new Error('always') }); p.transformText(() => { throw new Error('always') }) }\n")
      writeFileSync(join(home, "plugins.yaml"), "enabled: [broken]\nsettings: { maxFaults: 3 }\n")
      const f = yield* factory(home, [dir])
      const slug = "hot-swap"
      yield* f.use(Projects.use((ps) => ps.create({ slug, genre: "modern_noir" })))
      yield* f.use(JobQueue.use((q) => q.enqueue(slug, [1, 2, 3])))
      yield* f.settle()
      // enable the marker while it runs; the next episodes show it
      writeFileSync(join(home, "plugins.yaml"), "enabled: [broken, marker]\nsettings: { maxFaults: 3 }\n")
      yield* f.use(JobQueue.use((q) => q.enqueue(slug, [4, 5])))
      const jobs = yield* f.settle()
      const episodes = yield* f.use(fullEpisodes(slug))
      const listed = yield* f.use(Plugins.use((ps) => ps.list))
      const events: ReadonlyArray<FactoryEvent> = yield* f.use(EventBus.use((b) => b.recent()))
      yield* f.close

      expect(jobs.map((j) => j.state)).toEqual(["committed", "committed", "committed", "committed", "committed"])
      expect(episodes.map((e) => e.body.includes("(표식)"))).toEqual([false, false, false, true, true])
      const broken = listed.find((p) => p.name === "broken")!
      expect(broken).toMatchObject({ disabled: true, lastError: { message: "threw: always" } })
      const alerts = events.filter((e): e is Extract<FactoryEvent, { _tag: "Alert" }> => e._tag === "Alert")
      expect(alerts.some((a) => a.rule === "plugin.disabled:broken" && a.state === "firing")).toBe(true)
      // the first episode's guard recorded the writer-stage fault as a finding
      expect(episodes[0]!.findings.some((x) => x.code === "plugin.failed")).toBe(true)
      rmSync(home, { recursive: true, force: true })
    }), { timeout: 120_000 })
})
