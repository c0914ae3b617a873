import { Effect, Random, Ref } from "effect"
import { FaultPoints, type FaultPoint } from "../src/factory/FaultPoints.ts"
import { LlmTransientError, type LanguageModelShape } from "../src/llm/LanguageModel.ts"
import { QueueUnavailable, type JobQueueShape } from "../src/queue/JobQueue.ts"
import { StoreUnavailable, type StoryStoreShape } from "../src/story/StoryStore.ts"

/** Probabilities of each fault, per opportunity. All draws go through Effect's `Random`, so a seed replays a run. */
export interface FaultRates {
  /** A stage crashes (a defect) when the job reaches one of its fault points. */
  readonly stageCrash: number
  /** The LLM answers with a transient error (429, 5xx, reset). */
  readonly llmTransient: number
  /** The LLM never answers (the writer's stage time-out must free the job). */
  readonly llmHang: number
  /** A store write fails before it happens. */
  readonly storeFailBefore: number
  /** A store write happens but its answer is lost (the caller sees a failure). */
  readonly storeFailAfter: number
}

export const noFaults: FaultRates = { stageCrash: 0, llmTransient: 0, llmHang: 0, storeFailBefore: 0, storeFailAfter: 0 }

/** Faults happen only while the switch is on, so a test can stop them and watch the factory heal. */
export type FaultSwitch = Ref.Ref<boolean>

const roll = (active: FaultSwitch, rate: number) =>
  rate <= 0 ? Effect.succeed(false) : Effect.flatMap(Ref.get(active), (on) => (on ? Effect.map(Random.next, (x) => x < rate) : Effect.succeed(false)))

export const chaosFaultPoints = (rates: FaultRates, active: FaultSwitch) =>
  FaultPoints.of({
    reach: (point: FaultPoint, job: string) =>
      Effect.flatMap(roll(active, rates.stageCrash), (crash) => (crash ? Effect.die(new Error(`chaos: ${point} crashed on ${job}`)) : Effect.void)),
  })

export const faultyLanguageModel = (inner: LanguageModelShape, rates: FaultRates, active: FaultSwitch): LanguageModelShape => ({
  name: `${inner.name}+chaos`,
  complete: (request) =>
    Effect.gen(function* () {
      if (yield* roll(active, rates.llmHang)) return yield* Effect.never
      if (yield* roll(active, rates.llmTransient)) return yield* new LlmTransientError({ message: "chaos: 503 from the LLM", status: 503 })
      return yield* inner.complete(request)
    }),
})

/** Every successful, effective commit, in order: the simulation's witness for "at most once" and "in order". */
export interface CommitRecord {
  readonly project: string
  readonly number: number
}

export const faultyStoryStore = (
  inner: StoryStoreShape,
  rates: FaultRates,
  active: FaultSwitch,
  journal: Array<CommitRecord>,
): StoryStoreShape => ({
  ...inner,
  stageProvisional: (slug, facts) =>
    Effect.flatMap(roll(active, rates.storeFailBefore), (fail) =>
      fail ? Effect.fail(new StoreUnavailable({ message: "chaos: disk I/O error" })) : inner.stageProvisional(slug, facts)),
  commitEpisode: (episode, changes, options) =>
    Effect.gen(function* () {
      if (yield* roll(active, rates.storeFailBefore)) return yield* new StoreUnavailable({ message: "chaos: disk I/O error" })
      const result = yield* inner.commitEpisode(episode, changes, options)
      if (result.committed) journal.push({ project: episode.project, number: episode.number })
      if (yield* roll(active, rates.storeFailAfter)) return yield* new StoreUnavailable({ message: "chaos: connection reset after commit" })
      return result
    }),
})

const fence = <S extends object>(service: S, alive: () => boolean, gone: () => unknown): S => {
  const fenced: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(service)) {
    if (Effect.isEffect(value)) fenced[key] = Effect.suspend(() => (alive() ? value : Effect.fail(gone())))
    else if (typeof value === "function") {
      fenced[key] = (...args: Array<unknown>) =>
        Effect.suspend(() => (alive() ? (value as (...a: Array<unknown>) => Effect.Effect<unknown>)(...args) : Effect.fail(gone())))
    } else fenced[key] = value
  }
  return fenced as S
}

/**
 * A killed process can no longer touch the database: its fibers' finalizers run in the
 * simulation (closing a scope interrupts them), but with the fence down their writes fail,
 * as they would after a real `SIGKILL`.
 */
export const fencedQueue = (queue: JobQueueShape, alive: () => boolean): JobQueueShape =>
  fence(queue, alive, () => new QueueUnavailable({ message: "simulated process is dead" }))

export const fencedStore = (store: StoryStoreShape, alive: () => boolean): StoryStoreShape =>
  fence(store, alive, () => new StoreUnavailable({ message: "simulated process is dead" }))
