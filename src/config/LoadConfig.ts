import { existsSync, readFileSync } from "node:fs"
import { isAbsolute, join, resolve } from "node:path"
import { Data, Effect, Schema } from "effect"
import { checkConfig } from "./ConfigChecks.ts"
import { defaultConfig, type FactoryConfigData, FactoryConfigSchema } from "./FactoryConfig.ts"
import { decodeYaml, displayPath, formatKey, readYaml, YamlError, type YamlIssue, type YamlSource } from "../yaml/YamlSource.ts"

/** A config that cannot be used: the message names the file (or variable), the key and what was expected. */
export class ConfigError extends Data.TaggedError("ConfigError")<{ readonly message: string }> {}

/** A settings tree as YAML, the environment and the encoded defaults give it (an optional key may be absent or undefined). */
type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json | undefined }

const isObject = (value: unknown): value is Record<string, Json | undefined> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Deep merge where the override wins; arrays and scalars are replaced whole. */
const merge = (base: Json, override: Json): Json => {
  if (!isObject(base) || !isObject(override)) return override
  const out: Record<string, Json | undefined> = { ...base }
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue
    const current = out[key]
    out[key] = current === undefined ? value : merge(current, value)
  }
  return out
}

const intFromEnv = (name: string, raw: string): number | ConfigError => {
  const value = Number(raw)
  return Number.isInteger(value) ? value : new ConfigError({ message: `${name}: expected a whole number, got '${raw}'` })
}

const INT_VARIABLES: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["FACTORY_CONCURRENCY", ["pipeline", "concurrency"]],
  ["FACTORY_LEASE_MS", ["pipeline", "leaseMs"]],
  ["FACTORY_PORT", ["api", "port"]],
  ["FACTORY_OFFLINE_LATENCY_MS", ["llm", "latencyMs"]],
  ["FACTORY_STAGE_THREADS", ["pipeline", "stageThreads"]],
]

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
  for (const [name, path] of INT_VARIABLES) {
    const raw = env[name]
    if (raw === undefined || raw === "") continue
    const value = intFromEnv(name, raw)
    if (value instanceof ConfigError) return value
    set(path, value)
  }
  if (env["FACTORY_HOST"]) set(["api", "host"], env["FACTORY_HOST"])
  return out
}

/** The variable that set the key at `key`, if one did. */
const variableOf = (env: Readonly<Record<string, string | undefined>>, key: string): string | undefined => {
  for (const [name, path] of INT_VARIABLES) if (formatKey(path) === key && env[name] !== undefined && env[name] !== "") return `${name}=${env[name]}`
  if (key.startsWith("api.host") && env["FACTORY_HOST"]) return `FACTORY_HOST=${env["FACTORY_HOST"]}`
  if (key.startsWith("queue") && env["REDIS_URL"]) return "REDIS_URL"
  if (key.startsWith("story") && env["NEO4J_URL"] && env["FACTORY_STORY"] === "neo4j") return "NEO4J_URL"
  return undefined
}

/**
 * The config: defaults, then `factory.yaml` (in the data directory, or `--config`), then the
 * environment, decoded with Schema and then checked as a whole (cron expressions, known genres).
 * Every error names the file and line (or the variable), the key and what was expected; all
 * of them, one a line.
 */
export const loadConfig = (options: {
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd: string
  readonly configFile?: string | undefined
  /** Where the genre templates are (default: this checkout's `templates/genre`). */
  readonly templateDir?: string | undefined
}): Effect.Effect<FactoryConfigData, ConfigError> =>
  Effect.gen(function* () {
    const homeRaw = options.env["FACTORY_HOME"] ?? "factory-data"
    const home = isAbsolute(homeRaw) ? homeRaw : resolve(options.cwd, homeRaw)
    // the defaults in their encoded form: the same shape as what the file and the environment add
    let merged: Json = Schema.encodeSync(FactoryConfigSchema)(defaultConfig(home))
    const file = options.configFile ? resolve(options.cwd, options.configFile) : join(home, "factory.yaml")
    const exists = existsSync(file)
    if (!exists && options.configFile) return yield* new ConfigError({ message: `${file}: no such config file` })
    const source = readYaml(file, exists ? readFileSync(file, "utf8") : "")
    if (source instanceof YamlError) return yield* new ConfigError({ message: source.message })
    const value = source.value as Json | undefined
    if (value !== null && value !== undefined) {
      if (!isObject(value)) return yield* new ConfigError({ message: `${displayPath(file)}:1: expected a mapping of settings at the top level` })
      merged = merge(merged, { ...value, home: (value["home"] as string | undefined) ?? home })
    }
    const env = fromEnv(options.env)
    if (env instanceof ConfigError) return yield* env
    merged = merge(merged, env)
    if (isObject(merged) && typeof merged["home"] === "string" && !isAbsolute(merged["home"])) {
      merged = { ...merged, home: resolve(options.cwd, merged["home"]) }
    }
    // An issue of a key the file does not hold came from the defaults or the environment: no line.
    const located: YamlSource = {
      ...source,
      issue: (path, message) => {
        const at = source.locate(path)
        return { line: exists && at.exact ? at.line : 0, key: formatKey(path), message }
      },
    }
    const config = decodeYaml(located, FactoryConfigSchema, merged)
    const issues: ReadonlyArray<YamlIssue> = config instanceof YamlError
      ? config.issues
      : checkConfig(config, { templateDir: options.templateDir }).map((p) => located.issue(p.path, p.message))
        // in file order; those of keys the file does not hold (line 0) after them
        .sort((a, b) => (a.line || Infinity) - (b.line || Infinity))
    if (issues.length === 0) return config as FactoryConfigData
    const where = exists ? displayPath(file) : "config"
    const lines = issues.map((issue) => {
      // the environment wins over the file: a bad value of a key it sets came from it
      const variable = variableOf(options.env, issue.key)
      const at = variable !== undefined ? variable : issue.line > 0 ? `${where}:${issue.line}` : where
      return `${at}: ${issue.key === "" ? "" : `${issue.key}: `}${issue.message}`
    })
    return yield* new ConfigError({ message: lines.join("\n") })
  })
