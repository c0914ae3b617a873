/**
 * The shared `StoryStore` contract against a real Neo4j (5+).
 *
 * SKIPPED unless `NEO4J_URL` is set (e.g. `NEO4J_URL=bolt://127.0.0.1:7687 NEO4J_PASSWORD=…`):
 * no Neo4j server can be installed in this environment or in CI yet. The pure parts of the
 * adapter (Cypher parameters, record mapping) are unit-tested in cypher.test.ts regardless.
 *
 * NEO4J_URL must point at a throwaway database: every case starts by deleting all its nodes.
 */
import { describe } from "@effect/vitest"
import { Effect, Layer } from "effect"
import neo4j from "neo4j-driver"
import { Neo4jStoryStore } from "../../src/story/Neo4jStoryStore.ts"
import { StoreUnavailable, StoryStore } from "../../src/story/StoryStore.ts"
import { storyStoreContract } from "../contracts/storyStore.contract.ts"

const url = process.env.NEO4J_URL
const options = () => ({ url: url ?? "", ...(process.env.NEO4J_USER === undefined ? {} : { user: process.env.NEO4J_USER }) })

const wipe = Effect.tryPromise({
  try: async () => {
    const driver = neo4j.driver(url ?? "", neo4j.auth.basic(process.env.NEO4J_USER ?? "neo4j", process.env.NEO4J_PASSWORD ?? ""))
    try {
      await driver.executeQuery("MATCH (n) DETACH DELETE n")
    } finally {
      await driver.close()
    }
  },
  catch: (cause) => new StoreUnavailable({ message: "cannot wipe the test database", cause }),
})

describe.skipIf(url === undefined)("Neo4jStoryStore (needs NEO4J_URL; skipped without a Neo4j server)", () => {
  storyStoreContract("neo4j", {
    makeLayer: () => Layer.effect(StoryStore, Effect.andThen(wipe, Neo4jStoryStore.make(options()))),
    makeDurable: () => {
      let first = true
      return () =>
        Layer.effect(
          StoryStore,
          Effect.andThen(
            Effect.suspend(() => {
              const w = first ? wipe : Effect.void
              first = false
              return w
            }),
            Neo4jStoryStore.make(options()),
          ),
        )
    },
  })
})
