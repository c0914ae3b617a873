/** Without a server the Neo4j store fails to start with `StoreUnavailable`, quickly (no hang). */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Neo4jStoryStore } from "../../src/story/Neo4jStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { freePort } from "../../chaos/RedisServer.ts"

describe("Neo4jStoryStore without a server", () => {
  it("fails with StoreUnavailable", async () => {
    const port = await freePort() // nothing listens there
    const started = performance.now()
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        return yield* (yield* StoryStore).listProjects
      }).pipe(Effect.provide(Neo4jStoryStore.layer({ url: `bolt://127.0.0.1:${port}`, password: "x", connectionTimeoutMs: 1_000 }))),
    )
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("StoreUnavailable")
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})
