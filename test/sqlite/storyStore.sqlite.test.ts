import { Layer } from "effect"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { storyStoreContract } from "../contracts/storyStore.contract.ts"
import { tempDatabases } from "./helpers.ts"

const onPath = (path: string) => () => SqliteStoryStore.layer.pipe(Layer.provide(Database.layer({ path })))

const files = tempDatabases("story")

storyStoreContract("sqlite :memory:", {
  makeLayer: onPath(":memory:"),
  makeDurable: () => onPath(files.next()),
})

storyStoreContract("sqlite file (WAL)", {
  makeLayer: () => onPath(files.next())(),
  makeDurable: () => onPath(files.next()),
})
