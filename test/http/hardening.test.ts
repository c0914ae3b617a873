/**
 * Issue 16 against a real server: the attacks an outside tester reproduced (CSRF from a web page,
 * DNS rebinding, open reads behind a token, a malformed escape, control characters in a title)
 * and the headers and connection cap every answer now carries.
 */
import { request as httpRequest } from "node:http"
import { connect, type Socket } from "node:net"
import { Effect, Exit, Layer, Logger, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EventBus } from "../../src/events/EventBus.ts"
import { FactoryStatus } from "../../src/factory/FactoryStatus.ts"
import { Intake } from "../../src/factory/Intake.ts"
import { Projects } from "../../src/factory/Projects.ts"
import { type HttpServerOptions, serveHttp } from "../../src/http/Server.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { api } from "../support/factoryProcess.ts"

/** Every log line the server's fibers write, so a test can say that nothing (no stack trace) was logged. */
const logged: Array<string> = []
const recordingLogger = Logger.layer([Logger.make(({ message, logLevel }) => logged.push(`${logLevel}: ${String(message)}`))])

const services = Layer.mergeAll(Projects.layer, Intake.layer, FactoryStatus.standalone("test")).pipe(
  Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
  Layer.provideMerge(Database.layer({ path: ":memory:" })),
  Layer.provideMerge(EventBus.layer()),
  Layer.provideMerge(recordingLogger),
)

interface Started {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

const start = (options: Partial<HttpServerOptions> = {}): Promise<Started> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(services, scope)
      const server = yield* serveHttp({ host: "127.0.0.1", port: 0, ...options }).pipe(Effect.provideContext(context), Scope.provide(scope))
      return { url: server.url, port: server.port, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
    }),
  )

interface RawAnswer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly json: any
}

/**
 * A request with exactly these headers (Node adds Host, which `host` overrides, and
 * Content-Length): fetch would add a Content-Type of its own to a string body.
 */
const raw = (port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (text += chunk))
      res.on("end", () => {
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json })
      })
    })
    req.on("error", reject)
    req.end(body)
  })

const PROJECT = JSON.stringify({ slug: "csrf-target", genre: "fantasy_kr" })

describe("HTTP hardening on the default loopback API (no token)", () => {
  let server: Started
  beforeAll(async () => {
    server = await start()
  })
  afterAll(() => server.close())

  it("refuses a POST with no Content-Type or a form type with 415, and creates nothing", async () => {
    const bare = await raw(server.port, "POST", "/api/v1/projects", {}, PROJECT)
    expect(bare.status).toBe(415)
    expect(bare.headers["content-type"]).toMatch(/^application\/problem\+json/)
    expect(bare.json).toMatchObject({ status: 415, field: "content-type" })
    const text = await raw(server.port, "POST", "/api/v1/intake", { "content-type": "text/plain" }, JSON.stringify({ paused: true }))
    expect(text.status).toBe(415)
    const form = await raw(server.port, "POST", "/api/v1/projects/csrf-target/episodes", { "content-type": "application/x-www-form-urlencoded" }, "from=1&to=1000")
    expect(form.status).toBe(415)
    const listed = await api(server.url, "GET", "/api/v1/projects")
    expect(listed.json).toEqual([])
    expect((await api(server.url, "GET", "/api/v1/status")).json.paused).toBe(false)
  })

  it("refuses a cross-site Origin or Sec-Fetch-Site with 403; the same origin may write", async () => {
    const json = { "content-type": "application/json" }
    const foreign = await raw(server.port, "POST", "/api/v1/projects", { ...json, origin: "https://evil.example" }, PROJECT)
    expect(foreign.status).toBe(403)
    expect(foreign.json).toMatchObject({ status: 403, field: "origin" })
    const crossSite = await raw(server.port, "POST", "/api/v1/intake", { ...json, "sec-fetch-site": "cross-site" }, JSON.stringify({ paused: true }))
    expect(crossSite.status).toBe(403)
    expect(crossSite.json.field).toBe("sec-fetch-site")
    expect((await api(server.url, "GET", "/api/v1/status")).json.paused).toBe(false)

    const own = await raw(server.port, "POST", "/api/v1/projects", { ...json, origin: server.url, "sec-fetch-site": "same-origin" }, PROJECT)
    expect(own.status).toBe(201)
    const alias = await raw(server.port, "GET", "/api/v1/projects", { origin: `http://localhost:${server.port}` })
    expect(alias.status).toBe(200)
  })

  it("refuses a DNS-rebinding Host with 421 naming it, reads and writes alike", async () => {
    const read = await raw(server.port, "GET", "/api/v1/projects", { host: `evil.example:${server.port}` })
    expect(read.status).toBe(421)
    expect(read.headers["content-type"]).toMatch(/^application\/problem\+json/)
    expect(read.json.detail).toContain(`evil.example:${server.port}`)
    const events = await raw(server.port, "GET", "/api/v1/events", { host: "evil.example" })
    expect(events.status).toBe(421)
    const loopback = await raw(server.port, "GET", "/healthz", { host: `localhost:${server.port}` })
    expect(loopback.status).toBe(200)
  })

  it("answers a malformed escape with 400 problem+json, logs no stack trace and keeps serving", async () => {
    logged.length = 0
    const bad = await raw(server.port, "GET", "/api/v1/projects/%E0%A4%A", {})
    expect(bad.status).toBe(400)
    expect(bad.headers["content-type"]).toMatch(/^application\/problem\+json/)
    expect(bad.json).toMatchObject({ status: 400, field: "path" })
    expect((await raw(server.port, "GET", "/api/v1/jobs/%ZZ", {})).status).toBe(400)
    expect(logged).toEqual([])
    expect((await api(server.url, "GET", "/healthz")).status).toBe(200)
    // A well-formed escape still reaches its route.
    expect((await api(server.url, "GET", `/api/v1/jobs/${encodeURIComponent("비:1")}`)).status).toBe(404)
  })

  it("refuses control and bidi-override characters in a title (400 naming title) and in a slug", async () => {
    for (const title of ["Rain\u001b[2J", "Nul\u0000", "Del\u007f", "C1\u0085", "\u202eevil", "iso\u2066late"]) {
      const answer = await api(server.url, "POST", "/api/v1/projects", { slug: "ctrl-title", genre: "fantasy_kr", title })
      expect(answer.status, JSON.stringify(title)).toBe(400)
      expect(answer.json.field).toBe("title")
      expect(answer.json.detail).toMatch(/control|bidi/)
    }
    const slug = await api(server.url, "POST", "/api/v1/projects", { slug: "a\u001bb", genre: "fantasy_kr" })
    expect(slug.json).toMatchObject({ status: 400, field: "slug" })
    expect((await api(server.url, "POST", "/api/v1/projects", { slug: "ctrl-title", genre: "fantasy_kr", title: "비의 도시 — 2부" })).status).toBe(201)
  })

  it("sends the security headers on answers, refusals and the event stream", async () => {
    const expectSecure = (headers: Record<string, string | string[] | undefined> | Headers) => {
      const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name])
      expect(get("x-content-type-options")).toBe("nosniff")
      expect(get("cache-control")).toBe("no-store")
      expect(get("content-security-policy")).toMatch(/^default-src 'none'/)
      expect(get("referrer-policy")).toBe("no-referrer")
    }
    expectSecure((await api(server.url, "GET", "/api/v1/projects")).headers)
    expectSecure((await api(server.url, "GET", "/metrics")).headers)
    expectSecure((await api(server.url, "GET", "/nope")).headers)
    expectSecure((await raw(server.port, "POST", "/api/v1/intake", {}, "{}")).headers)
    expectSecure((await raw(server.port, "GET", "/healthz", { host: "evil.example" })).headers)
    const controller = new AbortController()
    const stream = await fetch(`${server.url}/api/v1/events`, { signal: controller.signal })
    expect(stream.status).toBe(200)
    expectSecure(stream.headers)
    controller.abort()
  })
})

describe("HTTP hardening with configuration", () => {
  it("lets an allowed host in", async () => {
    const server = await start({ allowedHosts: ["factory.example"] })
    try {
      expect((await raw(server.port, "GET", "/api/v1/projects", { host: "factory.example" })).status).toBe(200)
      expect((await raw(server.port, "GET", "/api/v1/projects", { host: "evil.example" })).status).toBe(421)
    } finally {
      await server.close()
    }
  })

  it("with a token, guards every read but /healthz, the event stream included; /metrics when configured", async () => {
    const server = await start({ token: "s3cret" })
    const open = await start({ token: "s3cret", metricsWithoutToken: true })
    try {
      for (const path of ["/api/v1/projects", "/api/v1/status", "/api/v1/finance/summary", "/api/v1/events/recent", "/api/v1/events", "/metrics", "/readyz"]) {
        const answer = await raw(server.port, "GET", path, {})
        expect(answer.status, path).toBe(401)
        expect(answer.headers["www-authenticate"]).toBe("Bearer")
      }
      expect((await raw(server.port, "GET", "/healthz", {})).status).toBe(200)
      expect((await raw(server.port, "GET", "/api/v1/status", { authorization: "Bearer s3cret" })).status).toBe(200)
      expect((await raw(open.port, "GET", "/metrics", {})).status).toBe(200)
      expect((await raw(open.port, "GET", "/api/v1/status", {})).status).toBe(401)
    } finally {
      await server.close()
      await open.close()
    }
  })

  it("drops connections beyond api.maxConnections and accepts again when one closes", async () => {
    const server = await start({ maxConnections: 2 })
    const sockets: Array<Socket> = []
    /** Opens a keep-alive connection and waits for its answer, so the server counts it. */
    const held = () =>
      new Promise<{ socket: Socket; answer: string }>((resolve) => {
        const socket = connect(server.port, "127.0.0.1")
        sockets.push(socket)
        let answer = ""
        socket.setEncoding("utf8")
        socket.on("data", (chunk: string) => {
          answer += chunk
          if (answer.includes("\r\n\r\n") && answer.includes("ok\n")) resolve({ socket, answer })
        })
        socket.on("close", () => resolve({ socket, answer }))
        socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`)
      })
    try {
      expect((await held()).answer).toMatch(/^HTTP\/1\.1 200/)
      const second = await held()
      expect(second.answer).toMatch(/^HTTP\/1\.1 200/)
      expect((await held()).answer).toBe("")
      await new Promise<void>((resolve) => {
        second.socket.once("close", () => resolve())
        second.socket.destroy()
      })
      // The server learns of the close asynchronously; ask until it has.
      let again = await held()
      for (let i = 0; i < 50 && again.answer === ""; i++) again = await held()
      expect(again.answer).toMatch(/^HTTP\/1\.1 200/)
    } finally {
      for (const socket of sockets) socket.destroy()
      await server.close()
    }
  })
})
