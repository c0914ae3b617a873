/**
 * One identity per Redis deployment, with a real redis-server and real data directories: the
 * first store to use a queue key prefix owns it; the same data directory comes back to it; a
 * `serve` on another data directory is refused at start (exit 2) with a message naming both
 * stores, before it could take a job; another key prefix is another queue.
 */
import { existsSync } from "node:fs"
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"
import { checkDeployment, storeIdentity } from "../../src/queue/DeploymentIdentity.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { api, type FactoryProcess, makeDataDir, runCli, startServe, stopProcess } from "../support/factoryProcess.ts"

const inHome = <A, E>(home: string, effect: Effect.Effect<A, E, Database>) =>
  Effect.runPromiseExit(Effect.scoped(Effect.provide(effect, Database.layerIn(home))))

describe("one identity per Redis deployment", () => {
  let redis: RedisServer
  const homes = [makeDataDir("nf-identity-a-"), makeDataDir("nf-identity-b-")]
  const procs: Array<FactoryProcess> = []
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    for (const proc of procs) await stopProcess(proc, "SIGKILL")
    await redis?.stop()
    for (const home of homes) home.cleanup()
  })

  it("the first store claims the prefix; the same store again is let in, another is refused naming both", async () => {
    const [a, b] = homes.map((h) => h.dir) as [string, string]
    const idA = await inHome(a, storeIdentity)
    const idB = await inHome(b, storeIdentity)
    expect(Exit.isSuccess(idA) && Exit.isSuccess(idB)).toBe(true)
    const storeA = Exit.isSuccess(idA) ? idA.value : ""
    const storeB = Exit.isSuccess(idB) ? idB.value : ""
    expect(storeA).not.toBe(storeB)
    // The id is the data directory's: asked again, the same.
    expect(await inHome(a, storeIdentity)).toEqual(idA)

    const check = (home: string, keyPrefix: string) => inHome(home, checkDeployment({ url: redis.url, keyPrefix }))
    expect(await check(a, "nf-identity")).toEqual(Exit.succeed(storeA))
    expect(await check(a, "nf-identity")).toEqual(Exit.succeed(storeA))
    const refused = await check(b, "nf-identity")
    expect(Exit.isFailure(refused)).toBe(true)
    const message = Exit.isFailure(refused) ? String((refused.cause.reasons[0] as { error?: { message?: string } }).error?.message) : ""
    expect(message).toContain(storeA)
    expect(message).toContain(storeB)
    expect(message).toContain("'nf-identity'")
    // Another key prefix is another queue, free to claim.
    expect(await check(b, "nf-identity-b")).toEqual(Exit.succeed(storeB))
  })

  it("a serve on another data directory is refused at start with exit 2; the owner's serve runs", async () => {
    const env = { REDIS_URL: redis.url }
    const owner = await startServe(homes[0]!.dir, env)
    procs.push(owner)
    expect((await api(owner.url, "GET", "/readyz")).status).toBe(200)
    const other = await runCli(["serve", "--port", "0"], { ...env, FACTORY_HOME: homes[1]!.dir })
    expect(other.code, other.stdout + other.stderr).toBe(2)
    expect(other.stderr).toMatch(/refusing to start: the Redis queue 'novel-factory' at .* belongs to story store [0-9a-f-]{36}, but this data directory holds story store [0-9a-f-]{36}/)
    expect(other.stdout).not.toContain("serving on")
    expect(existsSync(homes[1]!.dir)).toBe(true)
  })
})
