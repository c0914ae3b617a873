/**
 * The request policy as a pure function: each refusal of issue 16 (CSRF, DNS rebinding, open
 * reads behind a token) from request facts alone, and what it must keep letting through.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decideRequest, type PolicySettings, type RequestFacts, tokensMatch } from "../../src/http/RequestPolicy.ts"

const settings = (overrides: Partial<PolicySettings> = {}): PolicySettings => ({
  port: 8080,
  ownAddresses: ["127.0.0.1"],
  allowedHosts: [],
  token: undefined,
  metricsWithoutToken: false,
  ...overrides,
})

const request = (overrides: Partial<RequestFacts> & { headers?: Record<string, string | undefined> } = {}): RequestFacts => ({
  method: "GET",
  target: "/api/v1/projects",
  ...overrides,
  headers: { host: "127.0.0.1:8080", ...overrides.headers },
})

const post = (headers: Record<string, string | undefined> = {}): RequestFacts =>
  request({ method: "POST", headers: { "content-type": "application/json", ...headers } })

const refusal = (facts: RequestFacts, with_: PolicySettings = settings()) => {
  const verdict = decideRequest(facts, with_)
  return verdict._tag === "Refused" ? { status: verdict.problem.status, field: verdict.problem.field, detail: verdict.problem.detail } : undefined
}

describe("RequestPolicy: content type of mutations (CSRF by simple requests)", () => {
  it("refuses a mutation without application/json with 415, whatever the method", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(refusal(request({ method }))).toMatchObject({ status: 415, field: "content-type" })
      expect(refusal(request({ method, headers: { "content-type": "text/plain;charset=UTF-8" } }))).toMatchObject({ status: 415 })
    }
    expect(refusal(post({ "content-type": "application/x-www-form-urlencoded" }))?.detail).toContain("application/x-www-form-urlencoded")
    expect(refusal(post({ "content-type": "multipart/form-data; boundary=x" }))?.status).toBe(415)
  })

  it("lets JSON mutations and bodiless reads through", () => {
    expect(refusal(post())).toBeUndefined()
    expect(refusal(post({ "content-type": "Application/JSON; charset=utf-8" }))).toBeUndefined()
    expect(refusal(request())).toBeUndefined()
    expect(refusal(request({ method: "HEAD" }))).toBeUndefined()
  })
})

describe("RequestPolicy: other sites", () => {
  it("refuses Sec-Fetch-Site cross-site and same-site with 403", () => {
    expect(refusal(post({ "sec-fetch-site": "cross-site" }))).toMatchObject({ status: 403, field: "sec-fetch-site" })
    expect(refusal(post({ "sec-fetch-site": "same-site" }))).toMatchObject({ status: 403 })
    expect(refusal(request({ headers: { "sec-fetch-site": "cross-site" } }))).toMatchObject({ status: 403 })
  })

  it("lets same-origin and user-initiated fetch metadata through", () => {
    expect(refusal(post({ "sec-fetch-site": "same-origin" }))).toBeUndefined()
    expect(refusal(post({ "sec-fetch-site": "none" }))).toBeUndefined()
  })

  it("refuses a foreign, opaque or malformed Origin with 403 naming it", () => {
    const evil = refusal(post({ origin: "https://evil.example" }))
    expect(evil).toMatchObject({ status: 403, field: "origin" })
    expect(evil?.detail).toContain("https://evil.example")
    expect(refusal(post({ origin: "null" }))?.status).toBe(403)
    expect(refusal(post({ origin: "not a url" }))?.status).toBe(403)
    expect(refusal(post({ origin: "file:///tmp" }))?.status).toBe(403)
    // Another local web application is another origin, loopback or not.
    expect(refusal(post({ origin: "http://localhost:3000" }))?.status).toBe(403)
    expect(refusal(post({ origin: "http://127.0.0.1" }))?.status).toBe(403)
  })

  it("lets the server's own origin and its loopback aliases on the same port through", () => {
    for (const origin of ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://LOCALHOST:8080"]) {
      expect(refusal(post({ origin })), origin).toBeUndefined()
    }
  })
})

describe("RequestPolicy: Host (DNS rebinding)", () => {
  it("refuses a host that is not the server's with 421 naming it", () => {
    const rebound = refusal(request({ headers: { host: "evil.example:8080" } }))
    expect(rebound).toMatchObject({ status: 421, field: "host" })
    expect(rebound?.detail).toContain("evil.example:8080")
    expect(refusal(request({ headers: { host: undefined } }))?.status).toBe(421)
    expect(refusal(request({ headers: { host: "user@127.0.0.1:8080" } }))?.status).toBe(421)
    // Loopback names count only on the port the server listens on.
    expect(refusal(request({ headers: { host: "localhost:9090" } }))?.status).toBe(421)
    expect(refusal(request({ headers: { host: "localhost" } }))?.status).toBe(421)
  })

  it("answers the bound address, the loopback names and api.allowedHosts", () => {
    for (const host of ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LocalHost:8080"]) {
      expect(refusal(request({ headers: { host } })), host).toBeUndefined()
    }
    const lan = settings({ ownAddresses: ["192.168.1.20", "fe80::1"] })
    expect(refusal(request({ headers: { host: "192.168.1.20:8080" } }), lan)).toBeUndefined()
    expect(refusal(request({ headers: { host: "[fe80::1]:8080" } }), lan)).toBeUndefined()
    expect(refusal(request({ headers: { host: "192.168.1.21:8080" } }), lan)?.status).toBe(421)

    const proxied = settings({ allowedHosts: ["factory.internal", "evil.example:8443"] })
    expect(refusal(request({ headers: { host: "factory.internal" } }), proxied)).toBeUndefined()
    expect(refusal(request({ headers: { host: "factory.internal:9000" } }), proxied)).toBeUndefined()
    expect(refusal(request({ headers: { host: "evil.example:8443" } }), proxied)).toBeUndefined()
    expect(refusal(request({ headers: { host: "evil.example:8080" } }), proxied)?.status).toBe(421)
    // An allowed host is also an allowed origin: a browser behind the proxy may write.
    expect(refusal(post({ host: "factory.internal", origin: "https://factory.internal" }), proxied)).toBeUndefined()
  })

  it("refuses every host name that is not the server's (property)", () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/)
    fc.assert(
      fc.property(fc.array(label, { minLength: 2, maxLength: 4 }), fc.integer({ min: 1, max: 65535 }), (labels, port) => {
        const host = `${labels.join(".")}:${port}`
        expect(refusal(request({ headers: { host } }))?.status).toBe(421)
      }),
    )
  })

  it("checks Host before anything else, so a rebound page learns nothing about the token", () => {
    const verdict = refusal(post({ host: "evil.example:8080", "content-type": undefined }), settings({ token: "t" }))
    expect(verdict?.status).toBe(421)
  })
})

describe("RequestPolicy: the token", () => {
  const guarded = settings({ token: "s3cret" })

  it("needs the bearer token for reads too, answering 401", () => {
    expect(refusal(request(), guarded)).toMatchObject({ status: 401, field: "authorization" })
    expect(refusal(request({ target: "/api/v1/finance/summary?days=3" }), guarded)?.status).toBe(401)
    expect(refusal(request({ target: "/api/v1/events" }), guarded)?.status).toBe(401)
    expect(refusal(request({ headers: { authorization: "Bearer wrong" } }), guarded)?.detail).toMatch(/wrong/)
    expect(refusal(request({ headers: { authorization: "Basic czNjcmV0" } }), guarded)?.status).toBe(401)
    expect(refusal(request({ headers: { authorization: "Bearer s3cret" } }), guarded)).toBeUndefined()
    expect(refusal(request({ headers: { authorization: "bearer  s3cret" } }), guarded)).toBeUndefined()
  })

  it("leaves /healthz open, and /metrics only when configured", () => {
    expect(refusal(request({ target: "/healthz" }), guarded)).toBeUndefined()
    expect(refusal(request({ target: "/healthz/" }), guarded)).toBeUndefined()
    expect(refusal(request({ target: "/metrics" }), guarded)?.status).toBe(401)
    expect(refusal(request({ target: "/readyz" }), guarded)?.status).toBe(401)
    expect(refusal(request({ target: "/metrics" }), settings({ token: "s3cret", metricsWithoutToken: true }))).toBeUndefined()
  })

  it("answers 401 before 415, so an unauthenticated caller learns nothing about the body", () => {
    expect(refusal(request({ method: "POST" }), guarded)?.status).toBe(401)
  })

  it("compares tokens by value, whatever their lengths (property)", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(tokensMatch(a, b)).toBe(a === b)
        expect(tokensMatch(a, a)).toBe(true)
      }),
    )
  })
})
