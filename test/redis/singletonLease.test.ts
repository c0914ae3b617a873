/** The `SingletonLease` contract against SQLite (`:memory:`) and a real redis-server. */
import { afterAll, beforeAll } from "@effect/vitest"
import { Layer } from "effect"
import { RedisSingletonLease } from "../../src/coordination/RedisSingletonLease.ts"
import { SqliteSingletonLease } from "../../src/coordination/SqliteSingletonLease.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"
import { singletonLeaseContract } from "./singletonLease.contract.ts"

let server: RedisServer | undefined
beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  await server?.stop()
})

let counter = 0

singletonLeaseContract("sqlite :memory:", () => SqliteSingletonLease.layer.pipe(Layer.provide(Database.layer({ path: ":memory:" }))))

singletonLeaseContract("redis", () => {
  if (server === undefined) throw new Error("redis-server not started")
  return RedisSingletonLease.layer({ url: server.url, keyPrefix: `lease-${process.pid}-${++counter}` })
})
