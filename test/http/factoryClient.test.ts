import { HttpClientRequest } from "effect/http"
import { describe, expect, it } from "vitest"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Cause, Effect } from "effect"
import { declareJson, describeClientError, makeFactoryClient, statusOfFailure } from "../../src/http/FactoryClient.ts"
import { badRequest } from "../../src/http/ApiProblems.ts"
import { decideRequest } from "../../src/http/RequestPolicy.ts"

const POLICY = { port: 8080, ownAddresses: ["127.0.0.1"], allowedHosts: [], token: undefined, metricsWithoutToken: false }

/** What the server's policy says of a request as the client would send it. */
const verdictOf = (request: HttpClientRequest.HttpClientRequest) => {
  const contentType = request.headers["content-type"] ?? (request.body._tag === "Empty" ? undefined : request.body.contentType)
  return decideRequest(
    { method: request.method, target: "/api/v1/projects/x/hold", headers: { host: "127.0.0.1:8080", ...(contentType ? { "content-type": contentType } : {}) } },
    POLICY,
  )._tag
}

describe("the typed client's failures", () => {
  it("names a server that is not there by what the network said", async () => {
    const vacant = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo
        probe.close(() => resolve(port))
      })
    })
    const client = await Effect.runPromise(makeFactoryClient({ url: `http://127.0.0.1:${vacant}` }))
    const error = await Effect.runPromise(Effect.flip(client.healthz()))
    expect(statusOfFailure(error)).toBe(0)
    expect(describeClientError(error)).toBe("connection refused")
    // A port fetch will not dial is named by fetch's own reason.
    const blocked = await Effect.runPromise(makeFactoryClient({ url: "http://127.0.0.1:9" }))
    expect(describeClientError(await Effect.runPromise(Effect.flip(blocked.healthz())))).toBe("bad port")
  })
})

describe("the typed client's requests", () => {
  it("declares JSON on a bodyless mutating request, so the policy lets an operator action through", () => {
    for (const bare of [HttpClientRequest.post("/api/v1/projects/x/hold"), HttpClientRequest.delete("/api/v1/projects/x")]) {
      expect(verdictOf(bare)).toBe("Refused")
      expect(declareJson(bare).headers["content-type"]).toBe("application/json")
      expect(verdictOf(declareJson(bare))).toBe("Allowed")
    }
  })

  it("leaves reads and requests with a body of their own alone", () => {
    const read = HttpClientRequest.get("/api/v1/status")
    expect(declareJson(read).headers["content-type"]).toBeUndefined()
    const withBody = HttpClientRequest.bodyText(HttpClientRequest.post("/api/v1/intake"), "x", "text/plain")
    expect(declareJson(withBody)).toBe(withBody)
  })

  it("describes a problem by its status and detail, and anything else by what it is", () => {
    const problem = badRequest("from: Expected number", "from")
    expect(describeClientError(problem)).toBe("400 from: Expected number")
    expect(statusOfFailure(problem)).toBe(400)
    expect(statusOfFailure(new Error("boom"))).toBe(0)
    expect(describeClientError(new Error("boom"))).toBe("boom")
    expect(describeClientError(new Cause.TimeoutError())).toBe("timed out")
  })
})
