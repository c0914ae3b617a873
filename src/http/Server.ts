import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { networkInterfaces } from "node:os"
import { Context, Data, Effect, Exit, Fiber, PubSub, Scope } from "effect"
import { EventBus } from "../events/EventBus.ts"
import { type ApiServices, handleApi } from "./Api.ts"
import { type ApiResponse, problem, problemResponse } from "./Problem.ts"
import { decideRequest, isLoopbackAddress, isWildcardAddress, type PolicySettings } from "./RequestPolicy.ts"
import { SECURITY_HEADERS } from "./SecurityHeaders.ts"

/** Bodies above this are refused with 413 before they are read into memory. */
export const MAX_BODY_BYTES = 1024 * 1024

export class ServerError extends Data.TaggedError("ServerError")<{ readonly message: string }> {}

/** Open sockets beyond this are dropped on accept, so a flood of idle connections cannot exhaust file descriptors. */
export const DEFAULT_MAX_CONNECTIONS = 256

export interface HttpServerOptions {
  readonly host: string
  readonly port: number
  /** When set, every request but `/healthz` needs `Authorization: Bearer <token>`. */
  readonly token?: string | undefined
  /** Host names (optionally `name:port`) answered besides the bound address and the loopback names. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  readonly maxConnections?: number | undefined
  /** Lets a Prometheus scraper without the token read `/metrics`. */
  readonly metricsWithoutToken?: boolean | undefined
}

export interface RunningServer {
  readonly url: string
  readonly port: number
}

/** Binding beyond loopback exposes the API: refuse to do so without a token. */
export const checkBinding = (host: string, token: string | undefined): ServerError | undefined =>
  isLoopbackAddress(host) || (token !== undefined && token !== "")
    ? undefined
    : new ServerError({ message: `refusing to bind ${host} without FACTORY_API_TOKEN: the API would be open to the network` })

const send = (res: ServerResponse, response: ApiResponse, head: boolean) => {
  res.writeHead(response.status, { ...SECURITY_HEADERS, ...response.headers, "content-length": Buffer.byteLength(response.body) })
  res.end(head ? undefined : response.body)
}

const flattenHeaders = (raw: IncomingHttpHeaders): Record<string, string | undefined> => {
  const headers: Record<string, string | undefined> = {}
  for (const [key, value] of Object.entries(raw)) headers[key] = Array.isArray(value) ? value.join(", ") : value
  return headers
}

/**
 * The addresses a server bound to `host` answers on. A wildcard bind answers on every interface,
 * and interfaces come and go (DHCP, VPN), so they are read when asked.
 */
const ownAddresses = (host: string): (() => ReadonlyArray<string>) => {
  if (!isWildcardAddress(host)) {
    const fixed = [host]
    return () => fixed
  }
  return () => Object.values(networkInterfaces()).flatMap((addresses) => (addresses ?? []).map((a) => a.address))
}

const readBody = (req: IncomingMessage): Promise<string | "too-large"> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0")
    if (declared > MAX_BODY_BYTES) return resolve("too-large")
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data")
        req.resume()
        resolve("too-large")
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** Server-sent events: the recent events first, then the live stream, with a keep-alive comment. */
const streamEvents = (req: IncomingMessage, res: ServerResponse, context: Context.Context<EventBus>) => {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": "text/event-stream; charset=utf-8",
    connection: "keep-alive",
  })
  // Without events to send, the head would wait for the first keep-alive (15 s) and a client's connect timeout.
  res.flushHeaders()
  const program = Effect.gen(function* () {
    const bus = yield* EventBus
    const subscription = yield* bus.subscribe
    for (const event of yield* bus.recent(500)) res.write(`event: ${event._tag}\ndata: ${JSON.stringify(event)}\n\n`)
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000)
    yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(keepAlive)))
    return yield* Effect.forever(
      Effect.map(PubSub.take(subscription), (event) => res.write(`event: ${event._tag}\ndata: ${JSON.stringify(event)}\n\n`)),
    )
  }).pipe(Effect.scoped)
  const fiber = Effect.runForkWith(context)(program)
  req.on("close", () => Effect.runFork(Fiber.interrupt(fiber)))
}

/**
 * The API on node:http, for the life of the scope. Each request runs as its own fiber with
 * the factory's services; a failing request is answered, never thrown.
 */
export const serveHttp = (options: HttpServerOptions) =>
  Effect.gen(function* () {
    const refused = checkBinding(options.host, options.token)
    if (refused) return yield* refused
    const context = yield* Effect.context<ApiServices>()
    const run = Effect.runPromiseExitWith(context)
    const addresses = ownAddresses(options.host)
    const settings = (port: number): PolicySettings => ({
      port,
      ownAddresses: addresses(),
      allowedHosts: options.allowedHosts ?? [],
      token: options.token,
      metricsWithoutToken: options.metricsWithoutToken ?? false,
    })
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url ?? "/"
      const method = req.method ?? "GET"
      const headers = flattenHeaders(req.headers)
      const verdict = decideRequest({ method, target: url, headers }, settings(req.socket.localPort ?? options.port))
      if (verdict._tag === "Refused") {
        // The body is never read: closing the connection spares draining what a refused client sent.
        send(res, problemResponse(verdict.problem, { ...verdict.headers, connection: "close" }), method === "HEAD")
        return
      }
      if (method === "GET" && /^\/api\/v1\/events\/?(\?.*)?$/.test(url)) return streamEvents(req, res, context)
      readBody(req)
        .then(async (body) => {
          if (body === "too-large") {
            send(res, problemResponse(problem(413, `the body is larger than ${MAX_BODY_BYTES} bytes`), { connection: "close" }), false)
            return
          }
          const exit = await run(handleApi({ method, url, headers, body }))
          send(res, Exit.isSuccess(exit) ? exit.value : problemResponse(problem(500, "internal error")), method === "HEAD")
        })
        .catch(() => {
          if (!res.headersSent) send(res, problemResponse(problem(400, "the request could not be read")), false)
          else res.destroy()
        })
    }
    const server: Server = yield* Effect.acquireRelease(
      Effect.callback<Server, ServerError>((resume) => {
        const server = createServer(handler)
        server.keepAliveTimeout = 5_000
        server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS
        server.once("error", (error) => resume(Effect.fail(new ServerError({ message: `cannot listen on ${options.host}:${options.port}: ${error.message}` }))))
        server.listen(options.port, options.host, () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
          server.closeAllConnections()
        }),
    )
    const port = (server.address() as AddressInfo).port
    const host = options.host.includes(":") ? `[${options.host}]` : options.host
    return { url: `http://${host}:${port}`, port } satisfies RunningServer
  })

export type { Scope }
