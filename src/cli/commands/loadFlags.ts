import { booleanFlag, type ParsedArgs, stringFlag, UsageError } from "../Command.ts"
import { DEFAULT_MIX, type Mix, parseMix } from "../../ops/load/FactoryApiTarget.ts"
import { MAX_DURATION_MS, MAX_REQUESTS, MAX_RPS } from "../../ops/load/LoadRunner.ts"
import type { Slos } from "../../ops/load/Summary.ts"
import { parseDurationMs, parsePercent, parsePositiveNumber } from "../../util/Units.ts"

export interface LoadSettings {
  readonly url: string
  readonly rps: number
  readonly durationMs: number
  readonly timeoutMs: number
  readonly maxInFlight: number
  readonly slos: Slos
  readonly mix: Mix
  readonly genre: string
  readonly token: string | undefined
  readonly csv: string | undefined
  readonly md: string | undefined
  /** Run even when the factory's writer is a paid LLM (or does not say what it is). */
  readonly allowSpend: boolean
}

export const LOAD_DEFAULTS = {
  rps: "20",
  duration: "60s",
  sloP95: "500ms",
  maxError: "1%",
  minRequests: "10",
  timeout: "10s",
  maxInFlight: "512",
  genre: "fantasy_kr",
} as const

const bad = (flag: string, message: string) => new UsageError({ message: `--${flag}: ${message}` })

/** Every flag checked, each error naming its flag; `--token` falls back to FACTORY_API_TOKEN. */
export const parseLoadFlags = (args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): LoadSettings | UsageError => {
  const rawUrl = stringFlag(args, "url")
  if (rawUrl === undefined) return bad("url", "required: the factory's API, e.g. --url http://127.0.0.1:8080")
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    return bad("url", `expected an http(s) URL, got '${rawUrl}'`)
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return bad("url", `expected an http(s) URL, got '${rawUrl}'`)

  const rps = parsePositiveNumber(stringFlag(args, "rps") ?? LOAD_DEFAULTS.rps)
  if (typeof rps === "string") return bad("rps", rps)
  if (rps > MAX_RPS) return bad("rps", `at most ${MAX_RPS} requests per second, got ${rps}`)

  const durationMs = parseDurationMs(stringFlag(args, "duration") ?? LOAD_DEFAULTS.duration)
  if (typeof durationMs === "string") return bad("duration", durationMs)
  if (durationMs <= 0) return bad("duration", "must be longer than 0")
  if (durationMs > MAX_DURATION_MS) return bad("duration", "at most 1h")
  const planned = (rps * durationMs) / 1000
  if (planned < 1) return bad("duration", `${durationMs} ms at ${rps} req/s schedules no request at all`)
  if (planned > MAX_REQUESTS) return bad("duration", `--rps × --duration is ${Math.floor(planned)} requests; at most ${MAX_REQUESTS}`)

  const timeoutMs = parseDurationMs(stringFlag(args, "timeout") ?? LOAD_DEFAULTS.timeout)
  if (typeof timeoutMs === "string") return bad("timeout", timeoutMs)
  if (timeoutMs <= 0 || timeoutMs > 300_000) return bad("timeout", "must be more than 0 and at most 5m")

  const p95 = parseDurationMs(stringFlag(args, "slo-p95") ?? LOAD_DEFAULTS.sloP95)
  if (typeof p95 === "string") return bad("slo-p95", p95)
  const rawP99 = stringFlag(args, "slo-p99")
  const p99 = rawP99 === undefined ? undefined : parseDurationMs(rawP99)
  if (typeof p99 === "string") return bad("slo-p99", p99)

  const maxError = parsePercent(stringFlag(args, "max-error") ?? LOAD_DEFAULTS.maxError)
  if (typeof maxError === "string") return bad("max-error", maxError)

  const rawMin = stringFlag(args, "min-requests") ?? LOAD_DEFAULTS.minRequests
  const minRequests = Number(rawMin)
  if (!/^\d+$/.test(rawMin.trim()) || !Number.isSafeInteger(minRequests)) return bad("min-requests", `expected a whole number ≥ 0, got '${rawMin}'`)

  const rawInFlight = stringFlag(args, "max-in-flight") ?? LOAD_DEFAULTS.maxInFlight
  const maxInFlight = Number(rawInFlight)
  if (!/^\d+$/.test(rawInFlight.trim()) || maxInFlight < 1 || maxInFlight > 10_000) {
    return bad("max-in-flight", `expected a whole number from 1 to 10000, got '${rawInFlight}'`)
  }

  const rawMix = stringFlag(args, "mix")
  const mix = rawMix === undefined ? DEFAULT_MIX : parseMix(rawMix)
  if (typeof mix === "string") return bad("mix", mix)

  const genre = stringFlag(args, "genre") ?? LOAD_DEFAULTS.genre
  if (!/^[a-z0-9_-]{1,64}$/.test(genre)) return bad("genre", `expected a genre template name such as fantasy_kr, got '${genre}'`)

  const token = stringFlag(args, "token") ?? env["FACTORY_API_TOKEN"]
  return {
    url: url.toString().replace(/\/+$/, ""),
    rps,
    durationMs,
    timeoutMs,
    maxInFlight,
    slos: { p95Ms: p95, p99Ms: p99, maxErrorRate: maxError, minRequests },
    mix,
    genre,
    token: token === "" ? undefined : token,
    csv: stringFlag(args, "csv"),
    md: stringFlag(args, "md"),
    allowSpend: booleanFlag(args, "allow-spend"),
  }
}
