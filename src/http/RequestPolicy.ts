/**
 * Who may ask the API anything, decided from the request's facts alone: no I/O, no routing, so
 * the same function can guard any server that fronts these routes.
 *
 * The checks run in this order, each refusal saying what was wrong:
 * 1. `Host` (421): a DNS-rebinding page reaches the loopback server under its own name; only the
 *    server's own addresses, the loopback names (on the bound port) and `api.allowedHosts` are
 *    answered, so such a page learns nothing — not even whether a token is needed.
 * 2. Cross-site (403): `Sec-Fetch-Site: cross-site | same-site`, or an `Origin` that is not one
 *    of the accepted hosts. Browsers add these to every cross-origin request; Node's fetch, curl
 *    and the CLI send neither.
 * 3. Token (401): with a token configured, everything but `/healthz` (and `/metrics` when
 *    `metricsWithoutToken`) needs `Authorization: Bearer <token>`.
 * 4. Content type (415): a mutating request must say `application/json`. A web page can send a
 *    `text/plain` or form POST anywhere without a CORS preflight; it cannot send JSON.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { Schema } from "effect"
import { type Problem, problem } from "./Problem.ts"

/** What the server knows about itself and its configuration. */
export interface PolicySettings {
  /** The port the server listens on (the real one, after binding port 0). */
  readonly port: number
  /** The addresses it answers on: the bound address, or every interface address for 0.0.0.0 / ::. */
  readonly ownAddresses: ReadonlyArray<string>
  /** `api.allowedHosts`: `name` (any port) or `name:port`. */
  readonly allowedHosts: ReadonlyArray<string>
  /** `FACTORY_API_TOKEN`; undefined or empty means no token is asked for. */
  readonly token: string | undefined
  readonly metricsWithoutToken: boolean
}

/** What a request says about itself; header names in lower case. */
export interface RequestFacts {
  readonly method: string
  /** The request target as sent (`/path?query`), not decoded. */
  readonly target: string
  readonly headers: Readonly<Record<string, string | undefined>>
}

export type RequestVerdict =
  | { readonly _tag: "Allowed" }
  | { readonly _tag: "Refused"; readonly problem: Problem; readonly headers: Readonly<Record<string, string>> }

const ALLOWED: RequestVerdict = { _tag: "Allowed" }

const refuse = (refusal: Problem, headers: Record<string, string> = {}): RequestVerdict => ({ _tag: "Refused", problem: refusal, headers })

const MUTATING_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"])

const LOOPBACK_NAMES: ReadonlyArray<string> = ["localhost", "127.0.0.1", "[::1]"]

/** A host as it may appear in `Host` or `api.allowedHosts`: a name or IPv4, or an IPv6 in brackets, and an optional port. */
const AUTHORITY = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i

interface Authority {
  /** Lower case; IPv6 in brackets and compressed; IPv4 in dotted decimal. */
  readonly host: string
  readonly port: number | undefined
}

/** The WHATWG URL parser normalises the host (case, IPv6 compression) the way browsers do. */
const normalizeHost = (host: string): string | undefined => {
  try {
    return new URL(`http://${host}/`).hostname
  } catch {
    return undefined
  }
}

const parseAuthority = (value: string): Authority | undefined => {
  const match = AUTHORITY.exec(value.trim())
  if (!match) return undefined
  const host = normalizeHost(match[1]!)
  const port = match[2] === undefined ? undefined : Number(match[2])
  if (host === undefined || (port !== undefined && port > 65535)) return undefined
  return { host, port }
}

/** An address as the server binds it (`::1`, `0.0.0.0`, `localhost`) in the form `Host` uses. */
const addressAsHost = (address: string): string | undefined => normalizeHost(address.includes(":") && !address.startsWith("[") ? `[${address}]` : address)

/** An `api.allowedHosts` entry: a host name or address, with a port or without (then any port). */
export const AllowedHost = Schema.String.check(
  Schema.makeFilter((entry: string) => parseAuthority(entry) !== undefined, {
    message: "an allowed host is a name or address with an optional port, e.g. 'factory.internal' or 'factory.internal:8080'",
  }),
)

/** Binding a wildcard address answers on every interface. */
export const isWildcardAddress = (address: string): boolean => address === "0.0.0.0" || address === "::" || address === "[::]" || address === ""

export const isLoopbackAddress = (address: string): boolean =>
  address === "localhost" || address === "::1" || address === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(address)

/** A host (with its port, 80 when absent) this server answers to. */
const accepts = (settings: PolicySettings, authority: Authority, defaultPort: number): boolean => {
  const port = authority.port ?? defaultPort
  const own = [...LOOPBACK_NAMES, ...settings.ownAddresses.flatMap((a) => addressAsHost(a) ?? [])]
  if (port === settings.port && own.includes(authority.host)) return true
  return settings.allowedHosts.some((entry) => {
    const allowed = parseAuthority(entry)
    return allowed !== undefined && allowed.host === authority.host && (allowed.port === undefined || allowed.port === port)
  })
}

/** Control characters would let a header value forge log lines or terminal escapes when echoed. */
const printable = (value: string): string => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value)

const checkHost = (facts: RequestFacts, settings: PolicySettings): RequestVerdict => {
  const header = facts.headers["host"]
  if (header === undefined || header === "") return refuse(problem(421, "the request has no Host header", "host"))
  const authority = parseAuthority(header)
  if (authority === undefined || !accepts(settings, authority, 80)) {
    return refuse(problem(421, `this server does not answer for host ${printable(header)}; add it to api.allowedHosts if it is yours`, "host"))
  }
  return ALLOWED
}

const checkSameOrigin = (facts: RequestFacts, settings: PolicySettings): RequestVerdict => {
  const site = facts.headers["sec-fetch-site"]?.trim().toLowerCase()
  if (site === "cross-site" || site === "same-site") {
    return refuse(problem(403, `requests from other sites are refused (Sec-Fetch-Site: ${site})`, "sec-fetch-site"))
  }
  const origin = facts.headers["origin"]
  if (origin === undefined) return ALLOWED
  let url: URL | undefined
  try {
    url = new URL(origin)
  } catch {
    url = undefined
  }
  const scheme = url?.protocol
  const authority = url && (scheme === "http:" || scheme === "https:") ? parseAuthority(url.host) : undefined
  if (authority === undefined || !accepts(settings, authority, scheme === "https:" ? 443 : 80)) {
    return refuse(problem(403, `requests from origin ${printable(origin)} are refused: only this server's own origin may call it`, "origin"))
  }
  return ALLOWED
}

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest()

/** Equal-length digests make the comparison's time independent of where, or whether, the strings differ. */
export const tokensMatch = (given: string, expected: string): boolean => timingSafeEqual(digest(given), digest(expected))

const OPEN_PATHS = /^\/healthz\/?$/
const METRICS_PATH = /^\/metrics\/?$/

const checkToken = (facts: RequestFacts, settings: PolicySettings): RequestVerdict => {
  const token = settings.token
  if (token === undefined || token === "") return ALLOWED
  const path = facts.target.split("?", 1)[0]!
  if (OPEN_PATHS.test(path) || (settings.metricsWithoutToken && METRICS_PATH.test(path))) return ALLOWED
  const given = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(facts.headers["authorization"] ?? "")?.[1]
  if (given !== undefined && tokensMatch(given, token)) return ALLOWED
  return refuse(
    problem(401, given === undefined ? "this request needs 'Authorization: Bearer <token>'" : "the bearer token is wrong", "authorization"),
    { "www-authenticate": "Bearer" },
  )
}

const JSON_MEDIA_TYPE = /^application\/json[ \t]*(;.*)?$/i

const checkContentType = (facts: RequestFacts, _settings: PolicySettings): RequestVerdict => {
  if (!MUTATING_METHODS.has(facts.method.toUpperCase())) return ALLOWED
  const type = facts.headers["content-type"]
  if (type !== undefined && JSON_MEDIA_TYPE.test(type.trim())) return ALLOWED
  return refuse(
    problem(415, type === undefined ? `${facts.method} needs 'Content-Type: application/json'` : `send the body as application/json, not ${printable(type)}`, "content-type"),
    { "accept-post": "application/json" },
  )
}

/** In the order of the module comment: a caller refused early learns nothing the later checks would tell. */
const CHECKS: ReadonlyArray<(facts: RequestFacts, settings: PolicySettings) => RequestVerdict> = [
  checkHost,
  checkSameOrigin,
  checkToken,
  checkContentType,
]

/** The first refusal that applies, or Allowed. */
export const decideRequest = (facts: RequestFacts, settings: PolicySettings): RequestVerdict => {
  for (const check of CHECKS) {
    const verdict = check(facts, settings)
    if (verdict._tag === "Refused") return verdict
  }
  return ALLOWED
}
