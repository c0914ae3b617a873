import { existsSync, readFileSync } from "node:fs"
import { isAbsolute, join, resolve } from "node:path"
import { Data, Effect, Schema } from "effect"
import { parseDocument } from "yaml"
import { defaultConfig, type FactoryConfigData, FactoryConfigSchema } from "./FactoryConfig.ts"

/** A config that cannot be used: the message names the file (or variable), the key and what was expected. */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {}

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

const isObject = (value: unknown): value is Record<string, Json> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Deep merge where the override wins; arrays and scalars are replaced whole. */
const merge = (base: Json, override: Json): Json => {
  if (!isObject(base) || !isObject(override)) return override
  const out: Record<string, Json> = { ...base }
  for (const [key, value] of Object.entries(override)) out[key] = key in out ? merge(out[key]!, value) : value
  return out
}

const intFromEnv = (name: string, raw: string): number | ConfigError => {
  const value = Number(raw)
  return Number.isInteger(value) ? value : new ConfigError({ message: `${name}: expected a whole number, got '${raw}'` })
}

/** Environment overrides: each variable maps onto one key, so an error can name both. */
const fromEnv = (env: Readonly<Record<string, string | undefined>>): Record<string, Json> | ConfigError => {
  const out: Record<string, Json> = {}
  const set = (path: ReadonlyArray<string>, value: Json) => {
    let node = out
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, Json>
    node[path[path.length - 1]!] = value
  }
  if (env["REDIS_URL"]) set(["queue"], { kind: "redis", url: env["REDIS_URL"] })
  if (env["NEO4J_URL"] && env["FACTORY_STORY"] === "neo4j") {
    set(["story"], { kind: "neo4j", url: env["NEO4J_URL"], user: env["NEO4J_USER"] ?? "neo4j" })
  }
  const ints: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["FACTORY_CONCURRENCY", ["pipeline", "concurrency"]],
    ["FACTORY_LEASE_MS", ["pipeline", "leaseMs"]],
    ["FACTORY_PORT", ["api", "port"]],
    ["FACTORY_OFFLINE_LATENCY_MS", ["llm", "latencyMs"]],
    ["FACTORY_STAGE_THREADS", ["pipeline", "stageThreads"]],
  ]
  for (const [name, path] of ints) {
    const raw = env[name]
    if (raw === undefined || raw === "") continue
    const value = intFromEnv(name, raw)
    if (value instanceof ConfigError) return value
    set(path, value)
  }
  if (env["FACTORY_HOST"]) set(["api", "host"], env["FACTORY_HOST"])
  return out
}

const lineOf = (text: string, offset: number): number => text.slice(0, offset).split("\n").length

/**
 * The config: defaults, then `factory.yaml` (in the data directory, or `--config`), then the
 * environment. Every error names the file and line (or the variable), the key and what was expected.
 */
export const loadConfig = (options: {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly configFile?: string | undefined
}): Effect.Effect<FactoryConfigData, ConfigError> =>
  Effect.gen(function* () {
    const homeRaw = options.env["FACTORY_HOME"] ?? "factory-data"
    const home = isAbsolute(homeRaw) ? homeRaw : resolve(options.cwd, homeRaw)
    let merged: Json = defaultConfig(home) as unknown as Json
    const file = options.configFile ? resolve(options.cwd, options.configFile) : join(home, "factory.yaml")
    let doc: ReturnType<typeof parseDocument> | undefined
    let text = ""
    if (existsSync(file)) {
      text = readFileSync(file, "utf8")
      doc = parseDocument(text)
      if (doc.errors.length > 0) {
        const first = doc.errors[0]!
        return yield* new ConfigError({ message: `${file}:${lineOf(text, first.pos[0])}: ${first.message.split("\n")[0]}` })
      }
      const value = doc.toJS() as Json
      if (value !== null && !isObject(value)) {
        return yield* new ConfigError({ message: `${file}: expected a mapping of settings at the top level` })
      }
      if (value !== null) merged = merge(merged, { ...value, home: (value["home"] as string | undefined) ?? home })
    } else if (options.configFile) {
      return yield* new ConfigError({ message: `${file}: no such config file` })
    }
    const env = fromEnv(options.env)
    if (env instanceof ConfigError) return yield* env
    merged = merge(merged, env)
    if (isObject(merged) && typeof merged["home"] === "string" && !isAbsolute(merged["home"])) {
      merged = { ...merged, home: resolve(options.cwd, merged["home"]) }
    }
    return yield* Schema.decodeUnknownEffect(FactoryConfigSchema, { onExcessProperty: "error" })(merged).pipe(
      Effect.mapError((error) => {
        const [issue = error.message, at] = error.message.split(/\n\s*at /)
        const keys = at ? [...at.matchAll(/\["?([^"\]]*)"?\]/g)].map((m) => m[1]!) : []
        const node = doc && keys.length > 0 ? doc.getIn(keys, true) : undefined
        const range = (node as { range?: [number, number] } | undefined)?.range
        const where = range && doc ? `${file}:${lineOf(text, range[0])}` : existsSync(file) ? file : "config"
        return new ConfigError({ message: `${where}: ${keys.length > 0 ? `${keys.join(".")}: ` : ""}${issue.trim()}` })
      }),
    )
  })
