import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { jobIdOf } from "../../src/domain/Job.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { jobQueueContract, type QueueConfig } from "../contracts/jobQueue.contract.ts"
import { tempDatabases } from "./helpers.ts"

const onPath = (path: string, foldEvery?: number) => (config: QueueConfig) =>
  SqliteJobQueue.layer({ ...config, foldEvery }).pipe(Layer.provide(Database.layer({ path })))

const files = tempDatabases("queue")

jobQueueContract("sqlite :memory:", {
  makeLayer: onPath(":memory:"),
  makeDurable: () => onPath(files.next()),
})

jobQueueContract("sqlite file (WAL)", {
  makeLayer: (config) => onPath(files.next())(config),
  makeDurable: () => onPath(files.next()),
})

// Ended jobs folded into their rows every second one (the default, 128, never folds in these cases):
// where an ended job's state lives must not show.
jobQueueContract("sqlite file (WAL), folding every 2 ended jobs", {
  makeLayer: (config) => onPath(files.next(), 2)(config),
  makeDurable: () => onPath(files.next(), 2),
})

describe("SqliteJobQueue ids", () => {
  // The id is not stored: get() reads (project, episode) out of it, and anything jobIdOf would not spell is no job.
  it.effect("get finds a job only by the id jobIdOf spells", () =>
    Effect.gen(function* () {
      const queue = yield* JobQueue
      yield* queue.enqueue("alpha", [1, 2])
      expect(Option.map(yield* queue.get(jobIdOf("alpha", 2)), (j) => j.id)).toEqual(Option.some("alpha:2"))
      for (const id of ["alpha", "alpha:", "alpha:02", "alpha:2.0", "alpha:0", ":2", "alpha:2:", "alpha:1e0", "beta:1"]) {
        expect(Option.isNone(yield* queue.get(id)), id).toBe(true)
      }
    }).pipe(Effect.provide(onPath(":memory:")({ maxDeliveries: 3 }))))
})
