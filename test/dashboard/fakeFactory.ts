/**
 * A stand-in for `serve`'s HTTP API, speaking the same shapes (status, projects,
 * finance summary, recent events, the SSE stream, intake): for the bench (10 000
 * events of backlog, a steady trickle of live ones) and for scenarios a real factory
 * cannot stage on demand (a breaker outage, alerts, finance data).
 */
import { createServer, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export interface FakeEvent {
  readonly _tag: string
  readonly at: number
  readonly [key: string]: unknown
}

export interface FakeFactoryOptions {
  /** Events already in the journal, replayed to each new SSE subscriber. */
  readonly backlog?: ReadonlyArray<FakeEvent>
  /** Finance summary, or undefined for a 404 like today's `serve`. */
  readonly finance?: unknown
  readonly projects?: ReadonlyArray<{ slug: string; title: string; episodes?: number }>
}

export interface FakeFactory {
  readonly url: string
  readonly publish: (event: FakeEvent) => void
  readonly paused: () => boolean
  readonly setQueue: (queue: { queued: number; inFlight: number; committed: number; dead: number }) => void
  readonly close: () => Promise<void>
}

const child = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  restart: "permanent",
  state: "running",
  backoffRemainingMs: null,
  restarts: 0,
  lastError: null,
  subtree: null,
  ...extra,
})

export const startFakeFactory = (options: FakeFactoryOptions = {}): Promise<FakeFactory> => {
  const startedAt = Date.now()
  let paused = false
  let queue = { queued: 3, inFlight: 1, committed: 120, dead: 2 }
  const backlog: Array<FakeEvent> = [...(options.backlog ?? [])]
  const subscribers = new Set<ServerResponse>()
  const writers = Array.from({ length: 4 }, (_, i) => child(`writer-${i + 1}`, i === 2 ? { restarts: 2, lastError: "Error: LLM timeout\n    at write" } : {}))

  const status = () => ({
    mode: "embedded",
    uptimeMs: Date.now() - startedAt,
    paused,
    queue,
    dependencies: [
      { name: "llm", state: "closed" },
      { name: "queue", state: "closed" },
      { name: "story-store", state: "closed" },
    ],
    supervision: {
      supervisor: "factory",
      strategy: "one-for-one",
      status: "running",
      restartsInWindow: 2,
      maxRestarts: 10,
      stuckFibers: 0,
      children: [
        child("metrics"),
        child("writers", { subtree: { supervisor: "factory/writers/writer", strategy: "one-for-one", status: "running", restartsInWindow: 2, maxRestarts: 10, stuckFibers: 0, children: writers } }),
        child("backup"),
      ],
    },
  })

  const json = (res: ServerResponse, code: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(code, { "content-type": code >= 400 ? "application/problem+json" : "application/json", "content-length": Buffer.byteLength(text) })
    res.end(text)
  }

  const frame = (event: FakeEvent) => `event: ${event._tag}\ndata: ${JSON.stringify(event)}\n\n`

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    const path = url.pathname
    if (req.method === "GET" && path === "/api/v1/events") {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" })
      res.write(backlog.map(frame).join(""))
      subscribers.add(res)
      req.on("close", () => subscribers.delete(res))
      return
    }
    if (req.method === "GET" && path === "/api/v1/status") return json(res, 200, status())
    if (req.method === "GET" && path === "/api/v1/projects") return json(res, 200, options.projects ?? [{ slug: "sword", title: "검의 계승자", episodes: 12 }])
    if (req.method === "GET" && path === "/api/v1/finance/summary") {
      return options.finance === undefined ? json(res, 404, { status: 404, detail: "no such endpoint" }) : json(res, 200, options.finance)
    }
    if (req.method === "GET" && path === "/api/v1/events/recent") return json(res, 200, backlog.slice(-Number(url.searchParams.get("limit") ?? "200")))
    if (req.method === "POST" && path === "/api/v1/intake") {
      let body = ""
      req.on("data", (d) => (body += d))
      req.on("end", () => {
        paused = (JSON.parse(body) as { paused: boolean }).paused
        const event = { _tag: "IntakeChanged", at: Date.now(), paused }
        backlog.push(event)
        for (const s of subscribers) s.write(frame(event))
        json(res, 200, { paused })
      })
      return
    }
    json(res, 404, { status: 404, detail: `no such endpoint: ${path}` })
  })

  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      resolve({
        url: `http://127.0.0.1:${port}`,
        publish: (event) => {
          backlog.push(event)
          if (backlog.length > 20_000) backlog.splice(0, backlog.length - 10_000)
          const text = frame(event)
          for (const s of subscribers) s.write(text)
        },
        paused: () => paused,
        setQueue: (q) => (queue = q),
        close: () =>
          new Promise<void>((done) => {
            for (const s of subscribers) s.destroy()
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}

/** A realistic mix of events: jobs flowing through the stages, now and then a crash or an outage. */
export const syntheticEvents = (count: number, endAt: number, spacingMs = 250): ReadonlyArray<FakeEvent> => {
  const events: Array<FakeEvent> = []
  const stages = ["writer", "guard", "editor", "commit"] as const
  for (let i = 0; i < count; i++) {
    const at = endAt - (count - i) * spacingMs
    const job = `sword:${Math.floor(i / 6) + 1}`
    const k = i % 6
    if (k === 0) events.push({ _tag: "JobEnqueued", at, job, project: "sword", episode: Math.floor(i / 6) + 1 })
    else if (k <= 4) events.push({ _tag: "StageFinished", at, job, stage: stages[k - 1]!, ms: 50 + ((i * 37) % 900), ok: true })
    else if (i % 97 === 5) events.push({ _tag: "JobDead", at, job, project: "sword", episode: Math.floor(i / 6) + 1, reason: "guard rejected 3 drafts" })
    else events.push({ _tag: "JobCommitted", at, job, project: "sword", episode: Math.floor(i / 6) + 1, durationMs: 1200 + (i % 500), reward: 0.8 })
    if (i % 1000 === 999) {
      events.push({ _tag: "ChildExited", at, supervisor: "factory/writers/writer", child: "writer-3", outcome: "failure", cause: "Error: LLM timeout" })
      events.push({ _tag: "ChildRestarting", at, supervisor: "factory/writers/writer", child: "writer-3", attempt: 1, delayMs: 5000 })
      events.push({ _tag: "ChildStarted", at: at + 5000, supervisor: "factory/writers/writer", child: "writer-3" })
    }
  }
  return events.slice(-count)
}
