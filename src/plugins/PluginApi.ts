/**
 * The plugin API. A plugin is a folder `plugins/<name>/` whose `index.ts`
 * exports `register(pipeline)`; through `pipeline` it adds hooks:
 *
 * ```ts
 * import type { PluginPipeline } from "../../src/plugins/PluginApi.ts"
 * export const register = (pipeline: PluginPipeline) => {
 *   pipeline.promptAdditions((ctx) => ["대사는 짧게 끊어 쓴다."])      // writer
 *   pipeline.transformText((text, ctx) => text.replace(/…/g, "…"))     // editor, after the built-in editor
 *   pipeline.bannedWords((ctx) => ["대박"])                           // guard
 *   pipeline.check("my-check", (guardCtx) => [])                      // guard, a pure GuardCheck
 * }
 * ```
 *
 * Hooks may return a value or a promise of one. Every return is decoded
 * (`ReadonlyArray<string>`, `string`, `ReadonlyArray<GuardFinding>`): a plugin
 * that throws, hangs past its time limit or returns the wrong shape is skipped
 * for that call (a `plugin.failed` finding and an `Alert` event), and disabled
 * after repeated faults. See `Plugins.ts`.
 *
 * `ctx.options` is the plugin's options from `plugins.yaml` (global options,
 * overridden key by key by the project's). `pipeline.dir` is the plugin's
 * folder (for data files); `pipeline.options` the global options at load time.
 */
import { Data, Schema } from "effect"
import { GuardFinding } from "../domain/Episode.ts"
import type { GuardCheck } from "../guard/Context.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export type { GuardCheck, GuardContext } from "../guard/Context.ts"

/** What a hook knows about the job it runs for. */
export interface PluginContext {
  readonly project: string
  readonly episode: number
  readonly language: string
  readonly genre: string
  /** This plugin's options for this project (plugins.yaml: global `options.<name>`, then `projects.<slug>.options.<name>`). */
  readonly options: Readonly<Record<string, unknown>>
}

export type MaybePromise<A> = A | Promise<A>

export type PromptAdditionsHook = (ctx: PluginContext) => MaybePromise<ReadonlyArray<string>>
export type TransformTextHook = (text: string, ctx: PluginContext) => MaybePromise<string>
export type BannedWordsHook = (ctx: PluginContext) => MaybePromise<ReadonlyArray<string>>

/** A guard check of a plugin, with the options of the project it runs for bound in. */
export type PluginCheck = (ctx: Parameters<GuardCheck>[0], options: Readonly<Record<string, unknown>>) => ReturnType<GuardCheck>

/** What `register` receives. */
export interface PluginPipeline {
  /** The plugin's name (its folder). */
  readonly name: string
  /** Absolute path of the plugin's folder: read data files from here. */
  readonly dir: string
  /** Global options from plugins.yaml at load time (hooks get the project's in `ctx.options`). */
  readonly options: Readonly<Record<string, unknown>>
  readonly promptAdditions: (hook: PromptAdditionsHook) => void
  readonly transformText: (hook: TransformTextHook) => void
  readonly bannedWords: (hook: BannedWordsHook) => void
  readonly check: (name: string, check: PluginCheck) => void
}

/** The hooks one plugin registered. */
export interface PluginHooks {
  readonly promptAdditions: ReadonlyArray<PromptAdditionsHook>
  readonly transformText: ReadonlyArray<TransformTextHook>
  readonly bannedWords: ReadonlyArray<BannedWordsHook>
  readonly checks: ReadonlyArray<{ readonly name: string; readonly check: PluginCheck }>
}

/** A plugin module that cannot be used: the message names the plugin and what was wrong. */
export class PluginRefused extends Data.TaggedError("PluginRefused")<{ readonly plugin: string; readonly message: string }> {}

const describe = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "function" ? "a function" : typeof value

/**
 * Decodes a loaded module: it must export `register` as a function, which must
 * register at least one hook, each a function (checks with a non-empty name).
 * Throws nothing: returns the hooks or a `PluginRefused` naming the plugin.
 */
export const registerPlugin = (
  name: string,
  dir: string,
  module: unknown,
  options: Readonly<Record<string, unknown>>,
): PluginHooks | PluginRefused => {
  const refuse = (message: string) => new PluginRefused({ plugin: name, message: `plugin '${name}' refused: ${message}` })
  if (typeof module !== "object" || module === null) return refuse(`its index.ts is ${describe(module)}, not a module`)
  const register = (module as { register?: unknown }).register ?? (module as { default?: { register?: unknown } }).default?.register
  if (register === undefined) return refuse("index.ts exports no `register` function (export const register = (pipeline) => { … })")
  if (typeof register !== "function") return refuse(`\`register\` is ${describe(register)}, expected a function of the pipeline`)
  const hooks = { promptAdditions: [] as Array<PromptAdditionsHook>, transformText: [] as Array<TransformTextHook>, bannedWords: [] as Array<BannedWordsHook>, checks: [] as Array<{ name: string; check: PluginCheck }> }
  const problems: Array<string> = []
  const fn = (what: string, hook: unknown): boolean => {
    if (typeof hook === "function") return true
    problems.push(`${what} was given ${describe(hook)}, expected a function`)
    return false
  }
  const pipeline: PluginPipeline = {
    name,
    dir,
    options,
    promptAdditions: (hook) => void (fn("promptAdditions", hook) && hooks.promptAdditions.push(hook)),
    transformText: (hook) => void (fn("transformText", hook) && hooks.transformText.push(hook)),
    bannedWords: (hook) => void (fn("bannedWords", hook) && hooks.bannedWords.push(hook)),
    check: (checkName, check) => {
      if (typeof checkName !== "string" || checkName.trim() === "") {
        problems.push(`check was given the name ${JSON.stringify(checkName)}, expected a non-empty string`)
        return
      }
      if (fn(`check '${checkName}'`, check)) hooks.checks.push({ name: checkName, check })
    },
  }
  try {
    const out = (register as (p: PluginPipeline) => unknown)(pipeline)
    if (out instanceof Promise) return refuse("`register` returned a promise; it must add its hooks synchronously")
  } catch (e) {
    return refuse(`\`register\` threw: ${errorMessage(e)}`)
  }
  if (problems.length > 0) return refuse(problems.join("; "))
  const count = hooks.promptAdditions.length + hooks.transformText.length + hooks.bannedWords.length + hooks.checks.length
  if (count === 0) return refuse("`register` added no hook (promptAdditions, transformText, bannedWords or check)")
  return hooks
}

// ---------------------------------------------------------------------------
// Decoding what hooks return

export const StringList = Schema.Array(Schema.String)
export const Findings = Schema.Array(GuardFinding)

const firstLine = (message: string) => message.split("\n").slice(0, 2).join(" ").trim()

/** Decodes a hook's return; a message saying what was wrong, or the value. */
export const decodeReturn = <S extends Schema.Top>(schema: S, value: unknown): { ok: true; value: S["Type"] } | { ok: false; message: string } => {
  try {
    return { ok: true, value: Schema.decodeUnknownSync(schema as any)(value) as S["Type"] }
  } catch (e) {
    return { ok: false, message: `returned garbage: ${firstLine(errorMessage(e))}` }
  }
}
