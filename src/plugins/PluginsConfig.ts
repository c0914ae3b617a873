/**
 * `plugins.yaml` (in the data directory, FACTORY_HOME): which plugins run,
 * globally and per project, with their options.
 *
 * ```yaml
 * enabled: [banned_words_ko]              # for every project
 * options:
 *   banned_words_ko: { words: [헐] }       # global options of a plugin
 * settings: { timeoutMs: 2000, maxFaults: 3 }
 * projects:
 *   noir-city:
 *     enabled: [noir_dialogue]            # added for this project
 *     disabled: [banned_words_ko]         # removed for this project
 *     options:
 *       banned_words_ko: { words: [대박] }  # override the global options key by key
 * ```
 *
 * Decoded with Schema; every error names the file, the line and the key.
 */
import { Data, Schema } from "effect"
import { decodeYaml, readYaml, YamlError } from "../yaml/YamlSource.ts"

export class PluginsConfigError extends Data.TaggedError("PluginsConfigError")<{ readonly message: string }> {}

const PluginName = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/, { message: "a plugin name is its folder: 1–64 characters of A-Z, a-z, 0-9, '_' and '-'" }),
)
const Options = Schema.Record(Schema.String, Schema.Unknown)

export const ProjectPlugins = Schema.Struct({
  enabled: Schema.optional(Schema.Array(PluginName)),
  disabled: Schema.optional(Schema.Array(PluginName)),
  options: Schema.optional(Schema.Record(PluginName, Options)),
})

export const PluginsSettings = Schema.Struct({
  /** Longest a hook call may take, in ms. Default 2000. */
  timeoutMs: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** Consecutive faults after which a plugin is disabled. Default 3. */
  maxFaults: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
})

export const PluginsConfigSchema = Schema.Struct({
  enabled: Schema.optional(Schema.Array(PluginName)),
  options: Schema.optional(Schema.Record(PluginName, Options)),
  settings: Schema.optional(PluginsSettings),
  projects: Schema.optional(Schema.Record(Schema.String, ProjectPlugins)),
})
export type PluginsConfig = typeof PluginsConfigSchema.Type

export const emptyPluginsConfig: PluginsConfig = {}

/** Decodes the text of a plugins.yaml; `file` names it in errors. Never throws (an alias bomb included). */
export const parsePluginsConfig = (file: string, text: string): PluginsConfig | PluginsConfigError => {
  const source = readYaml(file, text)
  if (source instanceof YamlError) return new PluginsConfigError({ message: source.message })
  if (source.value === null || source.value === undefined) return emptyPluginsConfig
  if (typeof source.value !== "object" || Array.isArray(source.value)) {
    return new PluginsConfigError({ message: `${file}:1: expected a mapping (enabled, options, settings, projects) at the top level` })
  }
  const config = decodeYaml(source, PluginsConfigSchema)
  return config instanceof YamlError ? new PluginsConfigError({ message: config.message }) : config
}

/** The plugins that run for a project, in order (global first), without duplicates. */
export const enabledFor = (config: PluginsConfig, project: string): ReadonlyArray<string> => {
  const p = config.projects?.[project]
  const off = new Set(p?.disabled ?? [])
  const out: Array<string> = []
  for (const name of [...(config.enabled ?? []), ...(p?.enabled ?? [])]) if (!off.has(name) && !out.includes(name)) out.push(name)
  return out
}

/** A plugin's options for a project: the global ones, overridden key by key by the project's. */
export const optionsFor = (config: PluginsConfig, plugin: string, project: string | null): Readonly<Record<string, unknown>> => ({
  ...(config.options?.[plugin] ?? {}),
  ...(project === null ? {} : config.projects?.[project]?.options?.[plugin] ?? {}),
})

/** Where a plugin is enabled: `global`, and/or the projects that add it (minus those that remove it). */
export const enabledWhere = (config: PluginsConfig, plugin: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  const global = (config.enabled ?? []).includes(plugin)
  if (global) {
    const off = Object.entries(config.projects ?? {}).filter(([, p]) => (p.disabled ?? []).includes(plugin)).map(([s]) => s)
    out.push(off.length > 0 ? `global (not ${off.join(", ")})` : "global")
  }
  for (const [slug, p] of Object.entries(config.projects ?? {})) {
    if ((p.enabled ?? []).includes(plugin) && !(p.disabled ?? []).includes(plugin) && !global) out.push(slug)
  }
  return out
}
