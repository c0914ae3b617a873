/**
 * The one client of the factory's HTTP API, derived from `FactoryApi`: the dashboard, the CLI,
 * `load`, `chaos` and the tests call the server through it, so a request or an answer that does
 * not fit the definition fails to compile rather than on the wire. Every call fails with one of
 * the endpoint's problems (`ApiProblems.ts`, decoded into its class), an `HttpClientError` (no
 * answer, or one the definition does not describe) or a `SchemaError` (an answer of the wrong shape).
 */
import { Cause, Effect } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { FactoryApi } from "./FactoryApi.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export type FactoryApiClient = HttpApiClient.ForApi<typeof FactoryApi>

export interface FactoryClientOptions {
  /** Base URL of a `serve`, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  /** `FACTORY_API_TOKEN` of that server, sent as `Authorization: Bearer …`. */
  readonly token?: string | undefined
}

const MUTATING_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"])

/**
 * The request policy refuses a mutating request that does not say `application/json` (a web page
 * can send anything else without a preflight), bodyless ones too: an operator action such as
 * `POST …/hold` or `DELETE /api/v1/projects/:slug` has no payload, so it says so here.
 */
export const declareJson = (request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest =>
  MUTATING_METHODS.has(request.method) && request.body._tag === "Empty" && request.headers["content-type"] === undefined
    ? HttpClientRequest.setHeader(request, "content-type", "application/json")
    : request

const configure = (token: string | undefined) => (client: HttpClient.HttpClient): HttpClient.HttpClient => {
  const json = HttpClient.mapRequest(client, declareJson)
  return token ? HttpClient.mapRequest(json, HttpClientRequest.bearerToken(token)) : json
}

/** A client for one server, over the platform's fetch. */
export const makeFactoryClient = (options: FactoryClientOptions): Effect.Effect<FactoryApiClient> =>
  HttpApiClient.make(FactoryApi, { baseUrl: options.url.replace(/\/+$/, ""), transformClient: configure(options.token) }).pipe(
    Effect.provide(FetchHttpClient.layer),
  )

const FRIENDLY: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CONNECT_TIMEOUT: "connect timed out",
  ENOTFOUND: "host not found",
  EHOSTUNREACH: "host unreachable",
}

/** The innermost cause of a failed fetch: undici hides the network's `code` two causes down. */
const rootCause = (error: unknown): { readonly code?: unknown; readonly message?: unknown } | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 6; depth++) {
    const next = typeof current === "object" && current !== null ? (current as { cause?: unknown }).cause : undefined
    if (next === undefined || (typeof (current as { code?: unknown }).code === "string")) break
    current = next
  }
  return typeof current === "object" && current !== null ? (current as { code?: unknown; message?: unknown }) : undefined
}

/**
 * One line an operator can act on, for whatever a call failed with: a problem's status and
 * detail (with a hint for 401), a network failure by name, or the error's own message.
 */
export const describeClientError = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const { status, detail } = error as { status?: unknown; detail?: unknown }
    if (typeof status === "number" && typeof detail === "string") return `${status} ${detail}${status === 401 ? " (pass --token)" : ""}`
    const tag = (error as { _tag?: unknown })._tag
    if (tag === "HttpClientError") {
      const reason = (error as { reason: { _tag: string; response?: { status: number } } }).reason
      if (reason.response) return `answered HTTP ${reason.response.status}`
      const root = rootCause(reason)
      if (typeof root?.code === "string") return FRIENDLY[root.code] ?? root.code
      if (typeof root?.message === "string" && root !== reason) return root.message
    }
    if (Cause.isTimeoutError(error)) return "timed out"
    if (tag === "SchemaError") return `an answer of an unexpected shape: ${(error as { message: string }).message}`
  }
  return errorMessage(error)
}

/** The HTTP status a call ended with: the problem's, or 0 when no answer came. */
export const statusOfFailure = (error: unknown): number => {
  if (typeof error !== "object" || error === null) return 0
  const status = (error as { status?: unknown }).status
  if (typeof status === "number") return status
  const response = (error as { reason?: { response?: { status?: unknown } } }).reason?.response
  return typeof response?.status === "number" ? response.status : 0
}
