/** The `SingletonLease` contract against SQLite (`:memory:`, and files shared by two processes) and a real redis-server. */
import { afterAll, beforeAll } from "@effect/vitest"
import { Layer } from "effect"
import { RedisSingletonLease } from "../../src/coordination/RedisSingletonLease.ts"
import { SqliteSingletonLease } from "../../src/coordination/SqliteSingletonLease.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"
import { singletonLeaseContract } from "../contracts/singletonLease.contract.ts"
import { tempDatabases } from "../sqlite/helpers.ts"

let server: RedisServer | undefined
beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  await server?.stop()
})

let counter = 0
const files = tempDatabases("lease")
const onPath = (path: string) => SqliteSingletonLease.layer.pipe(Layer.provide(Database.layer({ path })))

singletonLeaseContract("sqlite", {
  makeLayer: () => onPath(":memory:"),
  makeShared: () => {
    const path = files.next()
    return () => onPath(path)
  },
})

const redisLayer = (keyPrefix: string) => {
  if (server === undefined) throw new Error("redis-server not started")
  return RedisSingletonLease.layer({ url: server.url, keyPrefix })
}

singletonLeaseContract("redis", {
  makeLayer: () => redisLayer(`lease-${process.pid}-${++counter}`),
  makeShared: () => {
    const keyPrefix = `lease-${process.pid}-${++counter}`
    return () => redisLayer(keyPrefix)
  },
})
