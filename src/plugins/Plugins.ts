/**
 * The `Plugins` service: hot-swappable plugins, isolated.
 *
 * - **Snapshot per job.** `snapshot(project)` first looks for changes
 *   (plugins.yaml's text, each enabled plugin's folder hash) and re-imports a
 *   changed plugin, then binds the enabled plugins' hooks for one job: a job
 *   keeps the set it started with, the next job sees the edit.
 * - **Isolation.** Every hook call is guarded: a throw, a hang past
 *   `timeoutMs` (Effect's clock) or a return that does not decode is a fault:
 *   the call is skipped (the stage goes on without that plugin), a
 *   `plugin.failed` warning finding is recorded in the set (`faults`) and an
 *   `Alert` (rule `plugin.failed:<name>`) is published. After `maxFaults`
 *   consecutive faults of one hook the plugin is disabled (Alert `plugin.disabled:<name>`,
 *   also for sets already handed out) until its code changes. A success
 *   resets the count.
 * - **Guard checks** are synchronous (the guard is pure): a plugin check is
 *   guarded with try/catch and decoding; a check cannot be timed out (a
 *   synchronous loop cannot be interrupted in-process).
 * - A bad plugins.yaml keeps the last good one in force (an Alert, and
 *   `list` shows the error); a refused plugin (wrong shape, import error) is
 *   left out and `list` shows why.
 *
 * Faults and disables are written to `<home>/plugins-state.json`, so
 * `novel-factory plugins list` in another process shows the last error, and a
 * plugin disabled at a version stays disabled at that version after a restart.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { Clock, Context, Effect, Layer, Option, Semaphore } from "effect"
import type { GuardFinding } from "../domain/Episode.ts"
import { EventBus } from "../events/EventBus.ts"
import type { FactoryEvent } from "../events/FactoryEvent.ts"
import type { GuardCheck, NamedGuardCheck } from "../guard/Guard.ts"
import { discoverPlugins, importPlugin, pluginVersion, type PluginSource, shippedPluginsDir } from "./Loader.ts"
import { decodeReturn, Findings, type PluginContext, type PluginHooks, registerPlugin, StringList } from "./PluginApi.ts"
import { enabledFor, enabledWhere, emptyPluginsConfig, optionsFor, parsePluginsConfig, type PluginsConfig, PluginsConfigError } from "./PluginsConfig.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export const DEFAULT_TIMEOUT_MS = 2_000
export const DEFAULT_MAX_FAULTS = 3

/** What the pipeline tells a plugin set about the job. */
export interface JobContext {
  readonly episode: number
  readonly language: string
  readonly genre?: string
}

/** The enabled plugins' hooks, bound for one job of one project. */
export interface PluginSet {
  readonly project: string
  /** The plugins in the set, with the version each was bound at. */
  readonly plugins: ReadonlyArray<{ readonly name: string; readonly version: string }>
  /** Writer: lines for `buildBrief`'s `promptAdditions`. */
  readonly promptAdditions: (job: JobContext) => Effect.Effect<ReadonlyArray<string>>
  /** Guard: extra banned words. */
  readonly bannedWords: (job: JobContext) => Effect.Effect<ReadonlyArray<string>>
  /** Guard: the plugins' checks (guarded), then one that reports this set's earlier faults as `plugin.failed` warnings. */
  readonly checks: ReadonlyArray<NamedGuardCheck>
  /** Editor: the text through every plugin's transform, in order (a faulty one is skipped). */
  readonly transform: (text: string, job: JobContext) => Effect.Effect<string>
  /** Every fault of this set so far, as `plugin.failed` warnings. */
  readonly faults: Effect.Effect<ReadonlyArray<GuardFinding>>
}

export interface PluginInfo {
  readonly name: string
  /** Folder it was found in, null when enabled but not found. */
  readonly dir: string | null
  readonly version: string | null
  /** `global`, `global (not a, b)`, or project slugs; empty when not enabled. */
  readonly enabledWhere: ReadonlyArray<string>
  readonly hooks: string | null
  /** Why it was refused at load (wrong shape, import error, not found). */
  readonly refused: string | null
  readonly disabled: boolean
  readonly lastError: { readonly hook: string; readonly message: string; readonly at: number } | null
  readonly faults: number
}

export interface PluginsShape {
  /** The plugin set for one job of `project` (after picking up edits). */
  readonly snapshot: (project: string) => Effect.Effect<PluginSet>
  /** Every plugin found or enabled: where it is enabled, its last error, whether it is disabled. */
  readonly list: Effect.Effect<ReadonlyArray<PluginInfo>>
  /** The plugins.yaml error in force (the last good config is used meanwhile), if any. */
  readonly configError: Effect.Effect<string | null>
}

export class Plugins extends Context.Service<Plugins, PluginsShape>()("novel-factory/Plugins") {
  /** Plugins of a data directory: `<home>/plugins.yaml`, plugins from `<home>/plugins/` then the shipped `plugins/`. */
  static readonly make = (options: PluginsOptions) => makePlugins(options)
  static readonly layer = (options: PluginsOptions): Layer.Layer<Plugins> => Layer.effect(Plugins, makePlugins(options))
  /** No plugins at all. */
  static readonly none: Layer.Layer<Plugins> = Layer.succeed(Plugins, {
    snapshot: (project) => Effect.succeed(emptySet(project)),
    list: Effect.succeed([]),
    configError: Effect.succeed(null),
  })
}

export interface PluginsOptions {
  /** The data directory (FACTORY_HOME). */
  readonly home: string
  /** Plugin folders, first wins a name. Default: `<home>/plugins`, then the shipped `plugins/`. */
  readonly dirs?: ReadonlyArray<string>
  /** Default `<home>/plugins.yaml`. */
  readonly configFile?: string
  /** Default `<home>/plugins-state.json`; null keeps the state in memory only. */
  readonly stateFile?: string | null
  /** Defaults for `settings.timeoutMs` / `settings.maxFaults` of plugins.yaml. */
  readonly timeoutMs?: number
  readonly maxFaults?: number
}

export const emptySet = (project: string): PluginSet => ({
  project,
  plugins: [],
  promptAdditions: () => Effect.succeed([]),
  bannedWords: () => Effect.succeed([]),
  checks: [],
  transform: (text) => Effect.succeed(text),
  faults: Effect.succeed([]),
})

// ---------------------------------------------------------------------------

interface Loaded {
  readonly source: PluginSource
  readonly version: string
  readonly hooks: PluginHooks | null
  readonly refused: string | null
}

interface Health {
  /** Consecutive faults per hook (a success of that hook resets it). */
  streak: Record<string, number>
  total: number
  lastError: { hook: string; message: string; at: number } | null
  /** The version it was disabled at, or null. */
  disabledAt: string | null
}

interface Persisted {
  readonly plugins: Record<string, { total: number; lastError: Health["lastError"]; disabledAt: string | null }>
}

const IMPORT_LIMIT_MS = 10_000

const withWallClockLimit = <A>(promise: Promise<A>, ms: number): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`importing it took more than ${ms} ms`)), ms)
    timer.unref?.()
    promise.then((a) => {
      clearTimeout(timer)
      resolve(a)
    }, (e) => {
      clearTimeout(timer)
      reject(e)
    })
  })

const message = (e: unknown): string => errorMessage(e).split("\n")[0]!

const makePlugins = (options: PluginsOptions) =>
  Effect.gen(function* () {
    const bus = yield* Effect.serviceOption(EventBus)
    const context = yield* Effect.context<never>()
    const configFile = options.configFile ?? join(options.home, "plugins.yaml")
    const stateFile = options.stateFile === undefined ? join(options.home, "plugins-state.json") : options.stateFile
    const dirs = options.dirs ?? [join(options.home, "plugins"), shippedPluginsDir]
    const lock = yield* Semaphore.make(1)

    let config: PluginsConfig = emptyPluginsConfig
    let configText: string | null = null
    let configError: string | null = null
    const loaded = new Map<string, Loaded>()
    const health = new Map<string, Health>()

    // the state another process (or an earlier run) left
    if (stateFile !== null && existsSync(stateFile)) {
      try {
        const saved = JSON.parse(readFileSync(stateFile, "utf8")) as Persisted
        for (const [name, h] of Object.entries(saved.plugins ?? {})) {
          health.set(name, { streak: {}, total: h.total ?? 0, lastError: h.lastError ?? null, disabledAt: h.disabledAt ?? null })
        }
      } catch {
        // a corrupt state file only loses history
      }
    }
    const persist = () => {
      if (stateFile === null) return
      try {
        const out: Persisted = { plugins: {} }
        for (const [name, h] of health) out.plugins[name] = { total: h.total, lastError: h.lastError, disabledAt: h.disabledAt }
        mkdirSync(dirname(stateFile), { recursive: true })
        writeFileSync(stateFile + ".tmp", JSON.stringify(out, null, 2))
        renameSync(stateFile + ".tmp", stateFile)
      } catch {
        // the state file is a convenience; never fail a job for it
      }
    }
    const healthOf = (name: string): Health => {
      let h = health.get(name)
      if (h === undefined) {
        h = { streak: {}, total: 0, lastError: null, disabledAt: null }
        health.set(name, h)
      }
      return h
    }

    /** Publishes from anywhere (also from a synchronous guard check): a forked, non-blocking publish. */
    const publish = (event: (at: number) => FactoryEvent) => {
      if (Option.isNone(bus)) return
      Effect.runForkWith(context)(Effect.flatMap(Clock.currentTimeMillis, (at) => bus.value.publish(event(at))))
    }
    const nowMs = () => Effect.runSyncWith(context)(Clock.currentTimeMillis)

    const timeoutMs = () => config.settings?.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const maxFaults = () => config.settings?.maxFaults ?? options.maxFaults ?? DEFAULT_MAX_FAULTS

    // -------------------------------------------------------------------
    // picking up edits

    const readConfig = () => {
      let text: string | null = null
      try {
        text = existsSync(configFile) ? readFileSync(configFile, "utf8") : null
      } catch (e) {
        text = null
        void e
      }
      if (text === configText) return
      configText = text
      if (text === null) {
        config = emptyPluginsConfig
        if (configError !== null) publish((at) => ({ _tag: "Alert", at, rule: "plugins.config", state: "resolved", message: `${configFile} removed: no plugins` }))
        configError = null
        return
      }
      const parsed = parsePluginsConfig(configFile, text)
      if (parsed instanceof PluginsConfigError) {
        const error = parsed.message
        configError = error
        publish((at) => ({ _tag: "Alert", at, rule: "plugins.config", state: "firing", message: `${error} (the last good plugins.yaml stays in force)` }))
        return
      }
      if (configError !== null) publish((at) => ({ _tag: "Alert", at, rule: "plugins.config", state: "resolved", message: `${configFile} is valid again` }))
      configError = null
      config = parsed
    }

    const wanted = (): Set<string> => {
      const names = new Set<string>(config.enabled ?? [])
      for (const p of Object.values(config.projects ?? {})) for (const n of p.enabled ?? []) names.add(n)
      return names
    }

    const load = (source: PluginSource) =>
      Effect.gen(function* () {
        const version = pluginVersion(source)
        if (version === null) {
          loaded.delete(source.name)
          return
        }
        const current = loaded.get(source.name)
        if (current !== undefined && current.version === version) return
        // wall-clock limit: importing is real I/O, which simulated time must not cut short
        const module = yield* Effect.tryPromise({ try: () => withWallClockLimit(importPlugin(source, version), IMPORT_LIMIT_MS), catch: (e) => message(e) })
          .pipe(Effect.result)
        const registered = module._tag === "Failure"
          ? { _tag: "PluginRefused" as const, message: `plugin '${source.name}' refused: cannot import ${source.index}: ${module.failure}` }
          : registerPlugin(source.name, source.dir, module.success, optionsFor(config, source.name, null))
        const refused = "_tag" in registered ? registered.message : null
        loaded.set(source.name, { source, version, hooks: "_tag" in registered ? null : registered, refused })
        const h = healthOf(source.name)
        if (h.disabledAt !== null && h.disabledAt !== version) {
          h.disabledAt = null
          h.streak = {}
          publish((at) => ({ _tag: "Alert", at, rule: `plugin.disabled:${source.name}`, state: "resolved", message: `plugin '${source.name}' changed (version ${version}): enabled again` }))
          persist()
        }
        if (refused !== null) {
          publish((at) => ({ _tag: "Alert", at, rule: `plugin.refused:${source.name}`, state: "firing", message: refused }))
        } else if (current?.refused) {
          publish((at) => ({ _tag: "Alert", at, rule: `plugin.refused:${source.name}`, state: "resolved", message: `plugin '${source.name}' loads again` }))
        }
      })

    /** Re-reads plugins.yaml and re-imports changed plugins (all found ones when `all`). */
    const refresh = (all: boolean) =>
      lock.withPermits(1)(Effect.gen(function* () {
        readConfig()
        const names = wanted()
        // Every job refreshes: with no plugin enabled (the usual case) there is nothing to look for.
        if (!all && names.size === 0) return
        for (const source of discoverPlugins(dirs)) {
          if (all || names.has(source.name)) yield* load(source)
        }
      }))

    // -------------------------------------------------------------------
    // guarded calls

    interface Bound {
      readonly name: string
      readonly version: string
      readonly hooks: PluginHooks
      readonly options: Readonly<Record<string, unknown>>
    }

    const isDisabled = (b: Bound) => health.get(b.name)?.disabledAt === b.version

    const failedFinding = (name: string, hook: string, why: string): GuardFinding => ({
      code: "plugin.failed",
      category: "style",
      severity: "warning",
      message: `plugin '${name}' (${hook}) failed and was skipped: ${why}`,
    })

    const succeeded = (b: Bound, hook: string) => {
      const h = healthOf(b.name)
      if ((h.streak[hook] ?? 0) > 0) {
        h.streak[hook] = 0
        publish((at) => ({ _tag: "Alert", at, rule: `plugin.failed:${b.name}`, state: "resolved", message: `plugin '${b.name}' works again` }))
      }
    }

    const faulted = (b: Bound, hook: string, why: string, sink: Array<GuardFinding>) => {
      const h = healthOf(b.name)
      const streak = (h.streak[hook] ?? 0) + 1
      h.streak[hook] = streak
      h.total++
      h.lastError = { hook, message: why, at: nowMs() }
      sink.push(failedFinding(b.name, hook, why))
      publish((at) => ({ _tag: "Alert", at, rule: `plugin.failed:${b.name}`, state: "firing", message: `plugin '${b.name}' (${hook}) failed and was skipped: ${why}` }))
      if (streak >= maxFaults() && h.disabledAt !== b.version) {
        h.disabledAt = b.version
        publish((at) => ({
          _tag: "Alert",
          at,
          rule: `plugin.disabled:${b.name}`,
          state: "firing",
          message: `plugin '${b.name}' disabled after ${streak} consecutive faults of ${hook} (last: ${why}); edit it to enable it again`,
        }))
      }
      persist()
    }

    const bind = (project: string): PluginSet => {
      const bound: Array<Bound> = []
      for (const name of enabledFor(config, project)) {
        const l = loaded.get(name)
        if (l === undefined || l.hooks === null) continue
        bound.push({ name, version: l.version, hooks: l.hooks, options: optionsFor(config, name, project) })
      }
      const faults: Array<GuardFinding> = []
      const limit = timeoutMs()

      /** One guarded async hook call: `Option.none` when it faulted (or the plugin is disabled). */
      const call = <A>(b: Bound, hook: string, run: () => unknown, decode: (u: unknown) => { ok: true; value: A } | { ok: false; message: string }) =>
        Effect.suspend(() => {
          if (isDisabled(b)) return Effect.succeed(Option.none<A>())
          return Effect.tryPromise({ try: () => Promise.resolve().then(run), catch: (e) => `threw: ${message(e)}` }).pipe(
            Effect.timeoutOrElse({ duration: limit, orElse: () => Effect.fail(`hung: no answer within ${limit} ms`) }),
            Effect.flatMap((value) => {
              const d = decode(value)
              return d.ok ? Effect.succeed(d.value) : Effect.fail(d.message)
            }),
            Effect.match({
              onFailure: (why) => {
                faulted(b, hook, why, faults)
                return Option.none<A>()
              },
              onSuccess: (value) => {
                succeeded(b, hook)
                return Option.some(value)
              },
            }),
          )
        })

      const ctxOf = (b: Bound, job: JobContext): PluginContext => ({
        project,
        episode: job.episode,
        language: job.language,
        genre: job.genre ?? "",
        options: b.options,
      })

      const strings = (kind: "promptAdditions" | "bannedWords") => (job: JobContext) =>
        Effect.gen(function* () {
          const out: Array<string> = []
          for (const b of bound) {
            for (const hook of b.hooks[kind]) {
              const r = yield* call(b, kind, () => hook(ctxOf(b, job)), (u) => decodeReturn(StringList, u))
              if (Option.isSome(r)) out.push(...r.value.map((s) => s.trim()).filter((s) => s.length > 0))
            }
          }
          return out
        })

      const transform = (text: string, job: JobContext) =>
        Effect.gen(function* () {
          let current = text
          for (const b of bound) {
            for (const hook of b.hooks.transformText) {
              const input = current
              const r = yield* call(b, "transformText", () => hook(input, ctxOf(b, job)), (u) => {
                if (typeof u !== "string") return { ok: false as const, message: `returned garbage: expected a string, got ${u === null ? "null" : typeof u}` }
                const before = input.trim().length
                const after = u.trim().length
                // a transform may trim and reword; it may not lose (or double) the episode
                if (before > 0 && (after < before * 0.5 || after > before * 2)) {
                  return { ok: false as const, message: `returned garbage: the text went from ${before} to ${after} characters` }
                }
                return { ok: true as const, value: u }
              })
              if (Option.isSome(r)) current = r.value
            }
          }
          return current
        })

      const checks: Array<NamedGuardCheck> = []
      for (const b of bound) {
        for (const c of b.hooks.checks) {
          const check: GuardCheck = (ctx) => {
            if (isDisabled(b)) return []
            let out: unknown
            try {
              out = c.check(ctx, b.options)
            } catch (e) {
              faulted(b, `check ${c.name}`, `threw: ${message(e)}`, faults)
              return [failedFinding(b.name, `check ${c.name}`, `threw: ${message(e)}`)]
            }
            const d = decodeReturn(Findings, out)
            if (!d.ok) {
              faulted(b, `check ${c.name}`, d.message, faults)
              return [failedFinding(b.name, `check ${c.name}`, d.message)]
            }
            succeeded(b, `check ${c.name}`)
            return d.value
          }
          checks.push({ name: `plugin:${b.name}/${c.name}`, check })
        }
      }
      if (bound.length > 0) {
        // earlier faults of this job (writer's prompt additions, banned words) as findings of the guard
        checks.push({
          name: "plugin-faults",
          check: () => faults.filter((f) => !f.message.includes("(check ")),
        })
      }
      return {
        project,
        plugins: bound.map((b) => ({ name: b.name, version: b.version })),
        promptAdditions: strings("promptAdditions"),
        bannedWords: strings("bannedWords"),
        checks,
        transform,
        faults: Effect.sync(() => [...faults]),
      }
    }

    const describeHooks = (h: PluginHooks): string =>
      [
        h.promptAdditions.length > 0 ? "prompt" : "",
        h.transformText.length > 0 ? "transform" : "",
        h.bannedWords.length > 0 ? "banned-words" : "",
        ...h.checks.map((c) => `check:${c.name}`),
      ].filter((s) => s !== "").join(", ")

    const list = Effect.gen(function* () {
      yield* refresh(true)
      const found = new Map(discoverPlugins(dirs).map((s) => [s.name, s]))
      const names = [...new Set([...found.keys(), ...wanted()])].sort()
      return names.map((name): PluginInfo => {
        const l = loaded.get(name)
        const h = health.get(name)
        const source = found.get(name)
        return {
          name,
          dir: source?.dir ?? null,
          version: l?.version ?? null,
          enabledWhere: enabledWhere(config, name),
          hooks: l?.hooks ? describeHooks(l.hooks) : null,
          refused: source === undefined ? `plugin '${name}' is enabled in ${configFile} but no folder ${name}/ with an index.ts is in ${dirs.join(" or ")}` : l?.refused ?? null,
          disabled: l !== undefined && h?.disabledAt === l.version,
          lastError: h?.lastError ?? null,
          faults: h?.total ?? 0,
        }
      })
    })

    yield* refresh(false)

    return Plugins.of({
      snapshot: (project) => Effect.map(refresh(false), () => bind(project)),
      list,
      configError: Effect.sync(() => configError),
    })
  })

/** The hooks of a set resolved for one job: what the writer, the guard and the editor take. */
export interface JobPlugins {
  readonly set: PluginSet
  readonly job: JobContext
  /** For `buildBrief`'s `promptAdditions`. */
  readonly promptAdditions: ReadonlyArray<string>
  /** For the guard's `extraBannedWords`. */
  readonly bannedWords: ReadonlyArray<string>
  /** For the guard's `extraChecks`. */
  readonly checks: ReadonlyArray<NamedGuardCheck>
  /** After the built-in editor. */
  readonly transform: (text: string) => Effect.Effect<string>
}

/**
 * The plugins of one job, snapshot once at claim time: the `Plugins` service's set for
 * `project` when the service is there, none otherwise (simulations without plugins).
 */
export const jobPlugins = (project: string, job: JobContext): Effect.Effect<JobPlugins> =>
  Effect.gen(function* () {
    const plugins = yield* Effect.serviceOption(Plugins)
    const set = Option.isSome(plugins) ? yield* plugins.value.snapshot(project) : emptySet(project)
    if (set.plugins.length === 0) {
      return { set, job, promptAdditions: [], bannedWords: [], checks: [], transform: (text: string) => Effect.succeed(text) }
    }
    const promptAdditions = yield* set.promptAdditions(job)
    const bannedWords = yield* set.bannedWords(job)
    return { set, job, promptAdditions, bannedWords, checks: set.checks, transform: (text: string) => set.transform(text, job) }
  })
