/**
 * The shared `JobQueue` contract against a real redis-server (one server for the file, a fresh
 * key prefix per case so cases never see each other's keys).
 */
import { afterAll, beforeAll } from "@effect/vitest"
import { RedisJobQueue } from "../../src/queue/RedisJobQueue.ts"
import { jobQueueContract } from "../contracts/jobQueue.contract.ts"
import { type RedisServer, startRedisServer } from "../../chaos/RedisServer.ts"

let server: RedisServer | undefined
beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  await server?.stop()
})

let counter = 0
const freshPrefix = () => `nf-test-${process.pid}-${++counter}`
const url = () => {
  if (server === undefined) throw new Error("redis-server not started")
  return server.url
}

jobQueueContract("redis", {
  makeLayer: ({ maxDeliveries }) => RedisJobQueue.layer({ url: url(), maxDeliveries, keyPrefix: freshPrefix() }),
  makeDurable: () => {
    const keyPrefix = freshPrefix()
    return ({ maxDeliveries }) => RedisJobQueue.layer({ url: url(), maxDeliveries, keyPrefix })
  },
})
