/**
 * A whole factory run (supervision tree, workers, SQLite queue and store, the real guard, length
 * repair, editor and commit) whose writer is the OpenAI provider against the loopback simulator,
 * the simulator answering as `variedLengthWriter` does: LLM-like prose whose length is drawn
 * around the band's centre with a spread. The other stages run offline ($0), so every token
 * counted is the writer's. Shared by `bench/lengthVariance.ts` and its CI-sized test.
 */
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import { countCharsWithSpaces } from "../../src/domain/Episode.ts"
import { splitEpisode } from "../../src/domain/EpisodeText.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { type SimRequest, startSimulator } from "../../src/llm/Simulator.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { infrastructureLayer } from "../../src/runtime/Infrastructure.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { launchWith } from "../../supervisors/Launch.ts"
import { castOfPrompt, type LengthSpread, variedContinuation, variedEpisode } from "./variedLengthWriter.ts"

export interface LengthRunOptions {
  readonly projects: number
  readonly episodes: number
  /** The drafts' length spread around the band's centre (0: every draft in band). */
  readonly sigma: number
  readonly seed: number
  readonly genres?: ReadonlyArray<string>
}

export interface LengthRunResult {
  readonly episodes: number
  readonly committed: number
  /** Episodes dead-lettered (the guard rejected every draft). */
  readonly dead: number
  /** Episodes not committed: the dead and those held behind a dead one in their project. */
  readonly uncommitted: number
  /** Writer tokens (prompt + completion) the provider served, over every request. */
  readonly tokens: number
  /** Whole drafts the writer was asked for (first drafts and redrafts). */
  readonly drafts: number
  /** Drafts outside the band as written. */
  readonly outOfBand: number
  /** Long drafts of committed episodes that went on without a redraft: trimmed to the band. */
  readonly trimmed: number
  /** Continuation requests (a short draft extended). */
  readonly continued: number
  /** Drafts after the first: full rewrites. */
  readonly redrafted: number
}

const BAND = { min: 5_000, max: 5_500 }
const EXTENSION = /The episode is (\d+) characters long[\s\S]*adding about (\d+) characters/
const HEADING = /^# Episode (\d+)(?: — draft (\d+))?$/m

const seedOf = (...parts: ReadonlyArray<string | number>): number => createHash("sha256").update(parts.join("\u0000")).digest().readUInt32LE(0)

interface Served {
  readonly key: string
  readonly kind: "draft" | "continuation"
  readonly draft: number
  readonly chars: number
}

/** The writer the simulator plays, and what it was asked for. */
const makeWriter = (spread: LengthSpread, seed: number) => {
  const served: Array<Served> = []
  const respond = (request: SimRequest): string => {
    const system = request.messages[0]?.content ?? ""
    const user = request.messages.find((m) => m.role === "user")?.content ?? ""
    const heading = HEADING.exec(user)
    const title = /web novel «(.+?)»/.exec(system)?.[1] ?? ""
    if (heading === null) throw new Error(`not a writer prompt: ${user.slice(0, 120)}`)
    const episode = Number(heading[1])
    const draft = heading[2] === undefined ? 1 : Number(heading[2])
    const key = `${title}#${episode}`
    const cast = castOfPrompt(`${system}\n${user}`)
    const extension = EXTENSION.exec(request.prompt)
    if (extension !== null) {
      const text = variedContinuation(cast, seedOf(seed, key, draft, "more", extension[1]!), Number(extension[2]))
      served.push({ key, kind: "continuation", draft, chars: countCharsWithSpaces(text) })
      return text
    }
    const text = variedEpisode(cast, episode, seedOf(seed, key, draft), spread)
    served.push({ key, kind: "draft", draft, chars: countCharsWithSpaces(splitEpisode(text, episode).body) })
    return text
  }
  return { respond, served }
}

export const runLengthVariance = async (options: LengthRunOptions): Promise<LengthRunResult> => {
  const writer = makeWriter({ centre: (BAND.min + BAND.max) / 2, sigma: options.sigma }, options.seed)
  const sim = await startSimulator({ seed: options.seed, models: ["sim-writer"], respond: writer.respond })
  const home = mkdtempSync(join(tmpdir(), "nf-length-"))
  process.env["NF_LENGTH_BENCH_KEY"] = "sk-length-bench"
  const base = defaultConfig(home)
  const config = {
    ...base,
    llm: {
      kind: "openai" as const,
      baseUrl: sim.url,
      model: "sim-writer",
      apiKeyEnv: "NF_LENGTH_BENCH_KEY",
      stages: { analyst: { kind: "offline" as const }, planner: { kind: "offline" as const }, summary: { kind: "offline" as const } },
      journal: { enabled: false },
    },
    pipeline: { ...base.pipeline, concurrency: options.projects, pollMs: 5, retryDelayMs: 50 },
  }
  const genres = options.genres ?? ["fantasy_kr", "modern_noir", "romance_comedy"]
  const total = options.projects * options.episodes
  try {
    const final = await Effect.runPromise(
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const running = yield* launchWith(infrastructureLayer(config), { mode: "bench", supervision: config.supervision }).pipe(Scope.provide(scope))
        const { queue, projects, store } = yield* Effect.provideContext(
          Effect.gen(function* () {
            return { queue: yield* JobQueue, projects: yield* Projects, store: yield* StoryStore }
          }),
          running.services,
        )
        for (let p = 0; p < options.projects; p++) {
          const slug = `length-${p}`
          // A title of its own: the writer (which sees only the prompt) tells the projects apart by it.
          yield* projects.create({ slug, genre: genres[p % genres.length]!, title: `길이 시험 ${p + 1}` })
          yield* queue.enqueue(slug, Array.from({ length: options.episodes }, (_, i) => i + 1))
        }
        // A dead episode holds its project: the episodes after it never finish, so the run ends
        // when every job is final or held behind a dead one.
        for (;;) {
          yield* Effect.sleep(50)
          const stats = yield* queue.stats
          if (stats.committed + stats.dead >= total) break
          const jobs = yield* queue.list({ limit: 10_000 })
          const deadAt = new Map<string, number>()
          for (const j of jobs) if (j.state === "dead") deadAt.set(j.project, Math.min(deadAt.get(j.project) ?? Infinity, j.episode))
          const open = jobs.filter((j) => j.state !== "committed" && j.state !== "dead" && j.episode < (deadAt.get(j.project) ?? Infinity))
          if (open.length === 0) break
        }
        const jobs = yield* queue.list({ limit: 10_000 })
        const titles = new Map((yield* store.listProjects).map((s) => [s.project.slug, s.project.title]))
        yield* Scope.close(scope, Exit.void)
        return {
          committed: new Set(jobs.filter((j) => j.state === "committed").map((j) => `${titles.get(j.project)}#${j.episode}`)),
          dead: jobs.filter((j) => j.state === "dead").length,
        }
      }),
    )
    const served = writer.served
    const drafts = served.filter((s) => s.kind === "draft")
    const nextDraft = new Set(drafts.map((s) => `${s.key}@${s.draft}`))
    return {
      episodes: total,
      committed: final.committed.size,
      dead: final.dead,
      uncommitted: total - final.committed.size,
      tokens: sim.stats().promptTokens + sim.stats().completionTokens,
      drafts: drafts.length,
      outOfBand: drafts.filter((s) => s.chars < BAND.min || s.chars > BAND.max).length,
      trimmed: drafts.filter((s) => s.chars > BAND.max && final.committed.has(s.key) && !nextDraft.has(`${s.key}@${s.draft + 1}`)).length,
      continued: served.filter((s) => s.kind === "continuation").length,
      redrafted: drafts.filter((s) => s.draft > 1).length,
    }
  } finally {
    await sim.close()
    rmSync(home, { recursive: true, force: true })
  }
}

/** The two runs the benchmark compares: lengths as a real model writes them, and all in band. */
export const compareLengthVariance = async (projects: number, episodes: number, seed: number) => {
  const inBand = await runLengthVariance({ projects, episodes, sigma: 0, seed })
  const varied = await runLengthVariance({ projects, episodes, sigma: 450, seed })
  return {
    inBand,
    varied,
    /** Episodes lost to the spread: dead, or held behind a dead one (a project never commits past a hole). */
    uncommittedShare: varied.uncommitted / varied.episodes,
    tokenRatio: varied.tokens / Math.max(1, varied.committed) / (inBand.tokens / Math.max(1, inBand.committed)),
  }
}
