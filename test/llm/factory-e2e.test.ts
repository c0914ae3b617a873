import { DatabaseSync } from "node:sqlite"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { utcDate } from "../../src/finance/Ledger.ts"
import { costOf, type ModelPrice } from "../../src/finance/Price.ts"
import { composeEpisode } from "../../src/llm/OfflineWriter.ts"
import { renderWriterPrompt } from "../../src/llm/Prompt.ts"
import { type SimRequest, type Simulator, startSimulator } from "../../src/llm/Simulator.ts"
import { buildBrief } from "../../src/pipeline/Brief.ts"
import { bibleAsOf } from "../../src/story/BibleTime.ts"
import { Database, databaseFile } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { api, type FactoryProcess, makeDataDir, runCli, sleep, startServe, stopProcess, writeSimulatorConfig } from "../support/factoryProcess.ts"

/**
 * The factory end to end with a real (simulated) LLM: `serve` as a child process, configured
 * with `llm.kind: openai` against the loopback simulator. Every writer call goes through the
 * real OpenAI provider (SDK, retries honouring Retry-After, continuation of `finish_reason:
 * "length"`), the real guard, editor and commit, and the real ledger.
 *
 * The simulator answers with a draft the guard accepts: its `respond` hook reads the project,
 * the Bible and the recent episodes from the factory's own store (a second connection on the
 * same WAL database), rebuilds the writer's brief as the worker does, checks that it renders to
 * exactly the prompt that arrived, and answers with the offline writer's episode for that brief.
 */

const MODEL = "sim-writer"
/** A configured price (finance.prices): shadows the default `sim-` prefix price. */
const PRICE: ModelPrice = { input: 2, cachedInput: 0.5, output: 8 }
const SLUG = "e2e-sim"
const EPISODES = 3

/** A writer message without its "## Fix these problems of the previous draft" section. */
const withoutFindings = (m: { readonly role: string; readonly content: string }) => ({
  role: m.role,
  content: m.content.split("\n\n## ").filter((section) => !section.startsWith("Fix these problems")).join("\n\n## "),
})

/** The writer the simulator plays: the offline writer's episode for the brief the prompt was rendered from. */
const makeWriterHook = (dataDir: string) => {
  let runtime: ManagedRuntime.ManagedRuntime<StoryStore, unknown> | undefined
  const answers = new Map<string, Promise<string>>()
  const mismatches: Array<string> = []
  const served = new Map<number, string>()

  const compose = async (request: SimRequest): Promise<string> => {
    const [system, user] = request.messages
    const title = system ? /web novel «(.+?)»/.exec(system.content)?.[1] : undefined
    const heading = user ? /^# Episode (\d+)(?: — draft (\d+))?$/m.exec(user.content) : null
    if (request.messages.length !== 2 || title === undefined || heading === null) {
      throw new Error(`not a writer prompt: ${JSON.stringify(request.messages).slice(0, 200)}`)
    }
    const episode = Number(heading[1])
    const draft = heading[2] === undefined ? 1 : Number(heading[2])
    runtime ??= ManagedRuntime.make(SqliteStoryStore.layer.pipe(Layer.provide(Database.layerIn(dataDir))))
    const brief = await runtime.runPromise(
      Effect.gen(function* () {
        const store = yield* StoryStore
        const project = (yield* store.listProjects).map((s) => s.project).find((p) => p.title === title)
        if (project === undefined) return yield* Effect.die(new Error(`no project titled «${title}»`))
        const bible = yield* store.getBible(project.slug)
        const recent = yield* store.recentEpisodes(project.slug, 3)
        // The guard's findings on a rejected draft are not rebuilt (the comparison below leaves them out).
        return buildBrief({
          project,
          bible: bibleAsOf(bible, episode - 1),
          episode,
          previous: recent.length > 0 ? recent[recent.length - 1]! : null,
          recent,
          draft,
          findingsToFix: [],
          promptAdditions: [],
        })
      }),
    )
    if (JSON.stringify(renderWriterPrompt(brief).map(withoutFindings)) !== JSON.stringify(request.messages.map(withoutFindings))) {
      mismatches.push(`episode ${episode} draft ${draft}: the prompt is not the one rendered from the rebuilt brief`)
    }
    const text = composeEpisode(brief)
    served.set(episode, text) // the last draft of an episode is the one committed
    return text
  }

  return {
    /** Same conversation, same answer (a continuation must get the rest of the same text). */
    respond: (request: SimRequest): Promise<string> => {
      const key = JSON.stringify(request.messages)
      let answer = answers.get(key)
      if (answer === undefined) {
        answer = compose(request)
        answers.set(key, answer)
        answer.catch(() => answers.delete(key))
      }
      return answer
    },
    mismatches,
    served,
    dispose: () => runtime?.dispose() ?? Promise.resolve(),
  }
}

describe("the factory with the simulator as its LLM", () => {
  const data = makeDataDir("nf-e2e-llm-")
  const hook = makeWriterHook(data.dir)
  let sim: Simulator | undefined
  let proc: FactoryProcess | undefined
  afterAll(async () => {
    if (proc) await stopProcess(proc, "SIGKILL")
    await hook.dispose()
    await sim?.close()
    data.cleanup()
  })

  it("commits episodes through the OpenAI provider and books their cost", async () => {
    const t0 = Date.now()
    sim = await startSimulator({
      seed: 7,
      apiKey: "dummy",
      models: [MODEL],
      latencyMs: { min: 20, max: 80 },
      // Low thresholds so the continuation requests (same system + user prefix) report cached tokens.
      cacheMin: 64,
      cacheBlock: 16,
      respond: hook.respond,
      // In order, one project's episodes being written one after another:
      script: [
        { kind: "429", retryAfterMs: 300 }, // episode 1: 429 with retry-after-ms (+ retry-after: 1)
        "truncate", //                            then cut short → continued
        "ok", //                                  the rest
        { kind: "429", retryAfterMs: 1000, format: "seconds" }, // episode 2: plain `Retry-After: 1`
        "ok",
        "truncate", //                            episode 3: cut twice, continued twice
        "truncate",
      ],
    })
    writeSimulatorConfig(data.dir, {
      url: sim.url,
      model: MODEL,
      llm: [
        "temperature: 0.7",
        "maxTokens: 8192",
        "timeoutMs: 10000",
        "limits: { requestsPerMinute: 600, maxConcurrency: 4 }",
        "retry: { maxRetries: 4, baseDelayMs: 100, maxDelayMs: 2000, maxRetryAfterMs: 5000 }",
        // The writer alone goes to the simulator here: the analyst and summary stages have tests of their own.
        "stages: { analyst: { kind: offline }, summary: { kind: offline } }",
      ],
      extra: ["finance:", "  prices:", `    ${MODEL}: { input: ${PRICE.input}, cachedInput: ${PRICE.cachedInput}, output: ${PRICE.output} }`],
    })
    proc = await startServe(data.dir, { SIM_KEY: "dummy" })
    const tServe = Date.now()

    expect((await api(proc.url, "POST", "/api/v1/projects", { slug: SLUG, genre: "fantasy_kr" })).status).toBe(201)
    const enqueued = await api(proc.url, "POST", `/api/v1/projects/${SLUG}/episodes`, { from: 1, to: EPISODES })
    expect(enqueued.status).toBe(202)

    const deadline = Date.now() + 25_000
    let queue: any
    while (Date.now() < deadline) {
      queue = (await api(proc.url, "GET", "/api/v1/status")).json.queue
      if (queue.committed + queue.dead >= EPISODES) break
      await sleep(100)
    }
    const tDone = Date.now()
    expect(queue, proc.output().slice(-3000)).toMatchObject({ committed: EPISODES, dead: 0, queued: 0, inFlight: 0 })

    // Every episode committed once, in its band, with the text the simulator served.
    const project = (await api(proc.url, "GET", `/api/v1/projects/${SLUG}`)).json
    const episodes = (await api(proc.url, "GET", `/api/v1/projects/${SLUG}/episodes`)).json as Array<{
      number: number
      title: string
      charCount: number
      drafts: number
    }>
    expect(episodes.map((e) => e.number)).toEqual([1, 2, 3])
    for (const e of episodes) {
      expect(e.charCount).toBeGreaterThanOrEqual(project.lengthBand.min)
      expect(e.charCount).toBeLessThanOrEqual(project.lengthBand.max)
      expect(hook.served.get(e.number)?.split("\n")[0]).toContain(e.title)
    }
    // The simulator saw the prompts the worker rendered from the Bible, nothing else.
    expect(hook.mismatches).toEqual([])

    // The simulator saw the calls: one writer call per draft (the offline writer's drafts are
    // normally accepted at once), 2 scripted 429s, 3 truncations continued.
    const drafts = episodes.reduce((n, e) => n + e.drafts, 0)
    const stats = sim.stats()
    expect(stats).toMatchObject({ rateLimited: 2, truncated: 3, ok: drafts + 3, requests: drafts + 5, serverErrors: 0, clientErrors: 0 })
    expect(stats.cachedTokens).toBeGreaterThan(0)
    // The provider waited as long as each 429's Retry-After said before asking again.
    const arrivals = sim.events().slice().sort((a, b) => a.at - b.at)
    const waits = arrivals.flatMap((e, i) => (e.status === 429 ? [arrivals[i + 1]!.at - e.at] : []))
    expect(waits).toHaveLength(2)
    expect(waits[0]).toBeGreaterThanOrEqual(300)
    expect(waits[1]).toBeGreaterThanOrEqual(1000)
    const expected = costOf(stats, PRICE)
    expect(expected).toBeGreaterThan(0)

    // The ledger: one row per writer call (continuations summed), project and episode named.
    const db = new DatabaseSync(databaseFile(data.dir), { readOnly: true })
    const rows = db.prepare("SELECT * FROM finance_llm_calls ORDER BY id").all() as Array<Record<string, any>>
    db.close()
    expect(rows.map((r) => [r.project, r.episode, r.stage, r.model, r.priced])).toEqual(
      episodes.flatMap((e) => Array.from({ length: e.drafts }, () => [SLUG, e.number, "writer", MODEL, 1])),
    )
    for (const r of rows) {
      expect(r.provider).toBe(`127.0.0.1:${sim.port}`)
      expect(r.cost_usd).toBeCloseTo(
        costOf({ promptTokens: r.prompt_tokens, cachedTokens: r.cached_tokens, completionTokens: r.completion_tokens }, PRICE),
        12,
      )
    }
    const sum = (k: string) => rows.reduce((n, r) => n + Number(r[k]), 0)
    expect({ promptTokens: sum("prompt_tokens"), cachedTokens: sum("cached_tokens"), completionTokens: sum("completion_tokens") })
      .toEqual({ promptTokens: stats.promptTokens, cachedTokens: stats.cachedTokens, completionTokens: stats.completionTokens })

    // The API's finance summary books today's cost (in USD here: no sales; to the micro-dollar).
    const today = utcDate(Date.now())
    const summary = (await api(proc.url, "GET", "/api/v1/finance/summary?days=1")).json
    const day = summary.days.find((d: { date: string }) => d.date === today)
    expect(day).toBeDefined()
    expect(day.cost).toBeGreaterThan(0)
    expect(day.cost).toBeCloseTo(expected, 6)
    expect(day.calls).toBe(drafts)
    expect(summary.today.spend).toBeCloseTo(expected, 6)

    // So does the CLI report (micro-dollars).
    const report = await runCli(["finance", "report"], { FACTORY_HOME: data.dir, SIM_KEY: "dummy" })
    expect(report.code, report.stderr).toBe(0)
    const line = report.stdout.split("\n").find((l) => l.includes(today))
    expect(line, report.stdout).toBeDefined()
    const cells = line!.trim().split(/\s+/) // date, calls, cost, sales, profit (USD)
    expect(cells[0]).toBe(today)
    expect(cells[1]).toBe(String(drafts))
    expect(Math.abs(Number(cells[2]) - expected)).toBeLessThanOrEqual(0.0000005 + 1e-12)
    expect(report.stderr).not.toMatch(/without a price/)

    console.log(
      `e2e: simulator+serve up in ${tServe - t0} ms, ${EPISODES} episodes (${drafts} drafts) committed in ${tDone - tServe} ms, ` +
        `cost $${expected.toFixed(6)} (${stats.promptTokens} prompt / ${stats.cachedTokens} cached / ${stats.completionTokens} completion tokens); ` +
        `total ${Date.now() - t0} ms`,
    )
  }, 60_000)
})
