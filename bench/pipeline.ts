/**
 * The whole factory with the offline writer: 1,000 episodes over 20 projects through the
 * supervision tree, the SQLite queue and store (a file database, WAL), writer → analyst + guard →
 * editor → analyst → summary → commit. Baseline in the same run: the same stages as bare function calls, with
 * no queue, store, supervision or events — the ratio is what the runtime costs.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, PubSub, Scope } from "effect"
import { defaultConfig } from "../src/config/FactoryConfig.ts"
import type { Episode } from "../src/domain/Episode.ts"
import { editEpisode } from "../src/editor/Editor.ts"
import { splitEpisode } from "../src/domain/EpisodeText.ts"
import { makeGuard } from "../src/guard/Guard.ts"
import { composeEpisode } from "../src/llm/OfflineWriter.ts"
import { buildBrief } from "../src/pipeline/Brief.ts"
import { EventBus } from "../src/events/EventBus.ts"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { infrastructureLayer } from "../src/runtime/Infrastructure.ts"
import { Intake } from "../src/factory/Intake.ts"
import { Projects } from "../src/factory/Projects.ts"
import { loadTemplate, projectFromTemplate } from "../src/templates/TemplateLoader.ts"
import { summarizeOffline } from "../src/analyst/OfflineSummary.ts"
import { analyzeDraftText, analyzeText } from "../src/pipeline/Stages.ts"
import { launchWith } from "../supervisors/Launch.ts"
import type { BenchResult } from "./BenchResult.ts"

const PROJECTS = 20
const EPISODES = 50
const GENRES = ["fantasy_kr", "modern_noir", "romance_comedy"]
const BARE_WARM_UP = 20
const BARE_EPISODES = 200
/** Episodes the factory runs before the clock starts, so that its main thread is measured warm too. */
const FACTORY_WARM_UP = { projects: 4, episodes: 25 }

/** The stages alone, in one loop: the ceiling the runtime is measured against. */
const bareStages = async (count: number): Promise<number> => {
  const { template } = await Effect.runPromise(loadTemplate("modern_noir"))
  const { project, bible } = projectFromTemplate(template, { slug: "bare", seed: 42, now: 0 })
  const recent: Array<Episode> = []
  // one guard for the loop, as a stage thread keeps one
  const guard = makeGuard()
  const started = performance.now()
  for (let n = 1; n <= count; n++) {
    const brief = buildBrief({ project, bible, episode: n, previous: recent.at(-1) ?? null, draft: 1, findingsToFix: [], promptAdditions: [] })
    const draft = composeEpisode(brief)
    analyzeDraftText({ text: draft, bible, episode: n })
    guard.draft({ text: draft, episode: n, project, bible, recent: recent.slice(-3) })
    const { title, body } = splitEpisode(editEpisode(draft, { language: "ko" }), n)
    const { analysis } = analyzeText({ text: body, bible, episode: n })
    const summary = summarizeOffline({ body, analysis, bible, title })
    recent.push({ project: "bare", number: n, title, body, summary, charCount: body.length, findings: [], reward: 1, drafts: 1, committedAt: 0 })
  }
  return count / ((performance.now() - started) / 1000)
}

interface FactoryRun {
  readonly rate: number
  readonly seconds: number
  /** CPU time per episode, all threads of the process (ms), and the main thread's share of it. */
  readonly cpuMsPerEpisode: number
  readonly mainCpuMsPerEpisode: number
}

const factoryRun = async (): Promise<FactoryRun> => {
  const home = mkdtempSync(join(tmpdir(), "nf-bench-"))
  // The stage threads (one per core) warm up on as many episodes as this process's main thread ran
  // through the bare stages before it (the baseline and its warm-up): both sides measured warm.
  // All 20 projects in parallel: a project's episodes go one at a time, so a worker per project
  // is as many as can ever have a job. (With 8, measured alternately: ~5 % fewer episodes/s.)
  const config = {
    ...defaultConfig(home),
    pipeline: { ...defaultConfig(home).pipeline, concurrency: PROJECTS, pollMs: 5, stageWarmUp: BARE_WARM_UP + BARE_EPISODES },
  }
  try {
    return await Effect.runPromise(
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const running = yield* launchWith(infrastructureLayer(config), { mode: "bench", supervision: config.supervision }).pipe(Scope.provide(scope))
        const { queue, projects, intake, bus } = yield* Effect.provideContext(
          Effect.gen(function* () {
            return { queue: yield* JobQueue, projects: yield* Projects, intake: yield* Intake, bus: yield* EventBus }
          }),
          running.services,
        )
        // The end is the last job's JobCommitted / JobDead event. Polling the queue's stats every
        // 20 ms scanned the whole jobs table 50 times a second on the thread under measurement
        // (0.2-0.5 ms of its ~3.5 ms a job, measured) and saw the end up to 20 ms late. A slow
        // poll remains, should an event be missed (the bus drops for a slow subscriber).
        const subscription = yield* bus.subscribe.pipe(Scope.provide(scope))
        /** `count` more jobs final, `before` being final already. */
        const allFinished = (count: number, before: number) => {
          const lastEvent = Effect.gen(function* () {
            let finished = 0
            while (finished < count) {
              for (const e of yield* PubSub.takeAll(subscription)) if (e._tag === "JobCommitted" || e._tag === "JobDead") finished++
            }
          })
          const allFinal = Effect.gen(function* () {
            while (true) {
              yield* Effect.sleep(500)
              const stats = yield* queue.stats
              if (stats.committed + stats.dead >= before + count) return
            }
          })
          return Effect.raceFirst(lastEvent, allFinal)
        }
        const enqueueProjects = (prefix: string, count: number, episodes: number) =>
          Effect.gen(function* () {
            for (let p = 0; p < count; p++) {
              const slug = `${prefix}-${p}`
              yield* projects.create({ slug, genre: GENRES[p % GENRES.length]! })
              yield* queue.enqueue(slug, Array.from({ length: episodes }, (_, i) => i + 1))
            }
          })
        // A daemon runs for days: the code on the main thread (queue, store, supervision) is
        // measured once V8 has compiled it, as the stage threads and the baseline are.
        const warmUp = FACTORY_WARM_UP.projects * FACTORY_WARM_UP.episodes
        yield* enqueueProjects("warm-up", FACTORY_WARM_UP.projects, FACTORY_WARM_UP.episodes)
        yield* allFinished(warmUp, 0)
        // Nothing is claimed while the projects are set up: the clock starts with all the work queued.
        yield* intake.setPaused(true)
        yield* enqueueProjects("bench", PROJECTS, EPISODES)
        const total = PROJECTS * EPISODES
        yield* PubSub.takeAll(subscription)
        const started = performance.now()
        const cpuBefore = process.cpuUsage()
        const mainBefore = process.threadCpuUsage()
        yield* intake.setPaused(false)
        yield* allFinished(total, warmUp)
        const seconds = (performance.now() - started) / 1000
        const cpu = process.cpuUsage(cpuBefore)
        const main = process.threadCpuUsage(mainBefore)
        const final = yield* queue.stats
        if (final.committed !== warmUp + total) throw new Error(`only ${final.committed - warmUp} episodes committed (${final.dead} dead)`)
        yield* Scope.close(scope, Exit.void)
        return {
          rate: total / seconds,
          seconds,
          cpuMsPerEpisode: (cpu.user + cpu.system) / 1000 / total,
          mainCpuMsPerEpisode: (main.user + main.system) / 1000 / total,
        }
      }),
    )
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

export const run = async (): Promise<Array<BenchResult>> => {
  await bareStages(BARE_WARM_UP) // warm-up
  const bare = await bareStages(BARE_EPISODES)
  const factory = await factoryRun()
  return [
    {
      name: `full pipeline, ${PROJECTS * EPISODES} episodes / ${PROJECTS} projects`,
      value: factory.rate,
      unit: "episodes/s",
      baseline: bare,
      ratio: factory.rate / bare,
      note: `${factory.seconds.toFixed(1)} s, CPU ${factory.cpuMsPerEpisode.toFixed(1)} ms/episode (main thread ${factory.mainCpuMsPerEpisode.toFixed(1)}); baseline = the stages as bare calls (target ≥ 200 episodes/s)`,
    },
  ]
}

if (import.meta.main) {
  for (const r of await run()) console.log(`${r.name}: ${r.value.toFixed(1)} ${r.unit} (bare stages ${r.baseline?.toFixed(1)}, ratio ${r.ratio?.toFixed(2)}) — ${r.note}`)
}
