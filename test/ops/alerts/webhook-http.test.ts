import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { fetchPost, makeWebhook } from "../../../src/ops/alerts/Webhook.ts"

describe("webhook over HTTP (loopback)", () => {
  it("POSTs the alert as JSON, retrying a failing endpoint until it answers 2xx", async () => {
    const bodies: Array<unknown> = []
    let calls = 0
    const server = createServer((req, res) => {
      let body = ""
      req.on("data", (d) => (body += d))
      req.on("end", () => {
        calls++
        bodies.push(JSON.parse(body))
        res.writeHead(calls <= 2 ? 503 : 204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
    try {
      await Effect.runPromise(Effect.scoped(Effect.gen(function* () {
        const webhook = yield* makeWebhook({ url, post: fetchPost(2_000), attempts: 5, baseDelay: "20 millis" })
        yield* webhook.notify({ _tag: "Alert", at: Date.UTC(2025, 0, 6), rule: "queue.depth-critical", state: "firing", message: "25 jobs queued" })
        while (calls < 3) yield* Effect.sleep("20 millis")
      })))
      expect(calls).toBe(3)
      expect(bodies[2]).toMatchObject({
        source: "novel-factory",
        rule: "queue.depth-critical",
        state: "firing",
        message: "25 jobs queued",
        atIso: "2025-01-06T00:00:00.000Z",
        text: "🔔 FIRING queue.depth-critical: 25 jobs queued",
      })
    } finally {
      server.close()
    }
  })
})
