import { Layer } from "effect"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { jobQueueContract, type QueueConfig } from "../contracts/jobQueue.contract.ts"
import { tempDatabases } from "./helpers.ts"

const onPath = (path: string) => (config: QueueConfig) =>
  SqliteJobQueue.layer(config).pipe(Layer.provide(Database.layer({ path })))

const files = tempDatabases("queue")

jobQueueContract("sqlite :memory:", {
  makeLayer: onPath(":memory:"),
  makeDurable: () => onPath(files.next()),
})

jobQueueContract("sqlite file (WAL)", {
  makeLayer: (config) => onPath(files.next())(config),
  makeDurable: () => onPath(files.next()),
})
