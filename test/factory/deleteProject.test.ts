/**
 * `delete <slug> --force`: refused without the confirmation (saying what would go), refused for the
 * canary's reserved project, 404 for an unknown one; forced, the project's jobs, Bible, episodes and
 * outline are gone and the action journalled, the ledger kept; the slug can be used afresh. Through
 * the CLI on a data directory, and end to end through a running `serve`.
 */
import { Effect, Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { deleteCommand, holdCommand } from "../../src/cli/commands/operator.ts"
import { emptyBibleChanges } from "../../src/domain/Bible.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { makeEventJournal } from "../../src/ops/journal/EventJournal.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { SqliteOutlineStore } from "../../src/planner/SqliteOutlineStore.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { Ledger } from "../../src/finance/Ledger.ts"
import { SqliteLedger } from "../../src/finance/SqliteLedger.ts"
import { sampleBible, sampleEpisode, sampleProject } from "../contracts/storyStore.contract.ts"
import { runCommand } from "../support/cliHarness.ts"
import { api, type FactoryProcess, makeDataDir, sleep, startServe, stopProcess } from "../support/factoryProcess.ts"

describe("delete through the CLI", () => {
  const data = makeDataDir("nf-delete-cli-")
  afterAll(data.cleanup)
  const cli = (...argv: Array<string>) => runCommand([deleteCommand, holdCommand], argv, { FACTORY_HOME: data.dir }, data.dir)
  const layer = () =>
    Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }), SqliteOutlineStore.layer, SqliteLedger.layer).pipe(
      Layer.provideMerge(Database.layerIn(data.dir)),
      Layer.provideMerge(EventBus.layer()),
    )
  const run = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.runPromise(effect.pipe(Effect.provide(layer())) as Effect.Effect<A, E>)

  it("refuses without --force (exit 2, what would go), deletes with it, keeps the ledger, journals the action; again: unknown", async () => {
    await run(Effect.gen(function* () {
      const store = yield* StoryStore
      yield* store.createProject(sampleProject(), sampleBible())
      yield* store.commitEpisode(sampleEpisode(1), { ...emptyBibleChanges, appearances: ["seoyun"] })
      yield* (yield* OutlineStore).seed(sampleProject())
      yield* (yield* JobQueue).enqueue("moon-gate", [1, 2, 3])
      yield* (yield* Ledger).book({
        at: 1_000, project: "moon-gate", episode: 1, stage: "writer", provider: "test", model: "m",
        usage: { promptTokens: 10, cachedTokens: 0, completionTokens: 10 }, costUsd: 0.5, priced: true,
      })
    }))

    const refused = await cli("delete", "moon-gate")
    expect(refused.code).toBe(2)
    expect(refused.err).toContain("deleting 'moon-gate' removes for good its 1 committed episode, 3 jobs, its Bible and its outline (ledger rows are kept)")
    expect(refused.err).toContain("Confirm with --force")
    expect(await run(StoryStore.use((s) => s.getProject("moon-gate")))).toSatisfy(Option.isSome)

    const canary = await cli("delete", "nf-canary", "--force")
    expect(canary.code).toBe(2)
    expect(canary.err).toContain("'nf-canary' is in the factory's reserved namespace")

    const deleted = await cli("delete", "moon-gate", "--force")
    expect(deleted.code, deleted.err).toBe(0)
    expect(deleted.out).toContain("moon-gate: deleted (1 episode, 3 jobs, its outline); ledger rows kept")
    const after = await run(Effect.gen(function* () {
      return {
        project: yield* (yield* StoryStore).getProject("moon-gate"),
        outline: yield* (yield* OutlineStore).get("moon-gate"),
        jobs: yield* (yield* JobQueue).projectStates("moon-gate"),
        spent: yield* (yield* Ledger).spentUsd(0, 10_000),
        journalled: (yield* (yield* makeEventJournal(yield* Database)).read({ from: 0, to: Number.MAX_SAFE_INTEGER })).events
          .filter((e) => e._tag === "OperatorActed"),
      }
    }))
    expect(after.project).toEqual(Option.none())
    expect(after.outline).toEqual(Option.none())
    expect(after.jobs).toEqual([])
    expect(after.spent).toBe(0.5)
    expect(after.journalled).toMatchObject([{ action: "delete", project: "moon-gate", detail: "deleted 1 episode and 3 jobs; ledger rows kept" }])

    const again = await cli("delete", "moon-gate", "--force")
    expect(again.code).toBe(2)
    expect(again.err).toContain("no project 'moon-gate'")
  })
})

describe("delete through a running serve", () => {
  const data = makeDataDir("nf-delete-serve-")
  let serve: FactoryProcess
  // the request policy asks every write, a DELETE too, to say it speaks JSON
  const del = (path: string) => api(serve.url, "DELETE", path, undefined, { "content-type": "application/json" })
  beforeAll(async () => {
    serve = await startServe(data.dir)
  }, 60_000)
  afterAll(async () => {
    await stopProcess(serve)
    data.cleanup()
  })

  it("404 unknown, 409 unconfirmed or reserved (problem+json naming what to do), 200 forced; the slug then starts afresh", async () => {
    const unknown = await del("/api/v1/projects/nope?force=true")
    expect(unknown.status).toBe(404)
    expect(unknown.headers.get("content-type")).toContain("application/problem+json")
    expect(unknown.json.detail).toBe("no project 'nope'")

    expect((await api(serve.url, "POST", "/api/v1/projects", { slug: "sword", genre: "fantasy_kr" })).status).toBe(201)
    expect((await api(serve.url, "POST", "/api/v1/projects/sword/episodes", { from: 1, to: 3 })).status).toBe(202)
    for (let i = 0; i < 200; i++) {
      if ((await api(serve.url, "GET", "/api/v1/projects/sword/episodes")).json.length >= 1) break
      await sleep(100)
    }

    const unconfirmed = await del("/api/v1/projects/sword")
    expect(unconfirmed.status).toBe(409)
    expect(unconfirmed.headers.get("content-type")).toContain("application/problem+json")
    expect(unconfirmed.json.detail).toContain("deleting 'sword' removes for good")
    expect(unconfirmed.json.detail).toContain("Confirm with --force (API: ?force=true)")
    expect((await del("/api/v1/projects/sword?force=maybe")).status).toBe(400)
    const canary = await del("/api/v1/projects/nf-canary?force=true")
    expect(canary.status).toBe(409)
    expect(canary.json.detail).toContain("reserved namespace")

    const deleted = await del("/api/v1/projects/sword?force=true")
    expect(deleted.status, deleted.text).toBe(200)
    expect(deleted.json).toMatchObject({ project: "sword", outline: true })
    expect(deleted.json.jobs).toBe(3)
    expect(deleted.json.episodes).toBeGreaterThanOrEqual(1)
    expect((await api(serve.url, "GET", "/api/v1/projects/sword")).status).toBe(404)
    expect((await api(serve.url, "GET", "/api/v1/projects")).json.map((p: { slug: string }) => p.slug)).not.toContain("sword")
    const events = (await api(serve.url, "GET", "/api/v1/events/recent?limit=10000")).json as Array<{ _tag: string; action?: string; project?: string }>
    expect(events.filter((e) => e._tag === "OperatorActed")).toMatchObject([{ action: "delete", project: "sword" }])

    // The slug is free again: a new project starts from episode 1 and commits.
    expect((await api(serve.url, "POST", "/api/v1/projects", { slug: "sword", genre: "fantasy_kr" })).status).toBe(201)
    expect((await api(serve.url, "POST", "/api/v1/projects/sword/episodes", { from: 1, to: 1 })).json.created).toBe(1)
    let episodes: Array<{ number: number }> = []
    for (let i = 0; i < 200 && episodes.length === 0; i++) {
      await sleep(100)
      episodes = (await api(serve.url, "GET", "/api/v1/projects/sword/episodes")).json
    }
    expect(episodes.map((e) => e.number)).toEqual([1])
  }, 60_000)
})
