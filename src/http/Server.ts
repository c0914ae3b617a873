import { createServer } from "node:http"
import { networkInterfaces } from "node:os"
import { NodeHttpServer } from "@effect/platform-node"
import { Data, Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { HttpApiBuilder, type HttpApiGroup } from "effect/http-api"
import { ApiHandlersLayer } from "./ApiHandlers.ts"
import { FactoryApi, OPENAPI_PATH } from "./FactoryApi.ts"
import { guardRequests } from "./RequestGuard.ts"
import { isLoopbackAddress, isWildcardAddress, type PolicySettings } from "./RequestPolicy.ts"
import { routeTable } from "./RouteTable.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export { MAX_BODY_BYTES } from "./RequestGuard.ts"

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

/** What implements `FactoryApi`: a handlers layer for every group (`ApiHandlers.ts`, or a test's fake). */
export type FactoryApiHandlers<R> = Layer.Layer<HttpApiGroup.ToService<"novel-factory", (typeof FactoryApi)["groups"][keyof (typeof FactoryApi)["groups"]]>, never, R>

const ROUTES = routeTable(FactoryApi, [{ method: "GET", path: OPENAPI_PATH }])

/**
 * `FactoryApi` on `@effect/platform-node` with these handlers, for the life of the scope. Each
 * request runs as its own fiber behind `guardRequests`; a failing request is answered, never thrown.
 */
export const serveApi = <R>(options: HttpServerOptions, handlers: FactoryApiHandlers<R>) =>
  Effect.gen(function* () {
    const refused = checkBinding(options.host, options.token)
    if (refused) return yield* refused
    const addresses = ownAddresses(options.host)
    const node = createServer({ keepAliveTimeout: 5_000 })
    node.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS
    const server = yield* NodeHttpServer.make(() => node, { host: options.host, port: options.port }).pipe(
      Effect.mapError((error) => {
        const cause = error.cause
        return new ServerError({ message: `cannot listen on ${options.host}:${options.port}: ${errorMessage(cause)}` })
      }),
    )
    const port = "port" in server.address ? server.address.port : options.port
    const settings = (): PolicySettings => ({
      port,
      ownAddresses: addresses(),
      allowedHosts: options.allowedHosts ?? [],
      token: options.token,
      metricsWithoutToken: options.metricsWithoutToken ?? false,
    })
    const routes = HttpApiBuilder.layer(FactoryApi, { openapiPath: OPENAPI_PATH }).pipe(
      Layer.provide(handlers),
      Layer.provide(HttpServer.layerServices),
    )
    const app = yield* HttpRouter.toHttpEffect(routes)
    yield* server.serve(guardRequests(settings, ROUTES, app))
    // Event streams never end on their own: without this, closing would wait for every client to leave.
    yield* Effect.addFinalizer(() => Effect.sync(() => node.closeAllConnections()))
    const host = options.host.includes(":") ? `[${options.host}]` : options.host
    return { url: `http://${host}:${port}`, port } satisfies RunningServer
  })

/** The factory's API with the factory's handlers, reading the services of the process. */
export const serveHttp = (options: HttpServerOptions) => serveApi(options, ApiHandlersLayer)
