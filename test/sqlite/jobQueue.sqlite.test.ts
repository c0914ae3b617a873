import { Layer } from "effect"
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
