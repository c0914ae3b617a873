/**
 * The guard: a pure, deterministic verdict on a draft.
 *
 * Reward formula (documented contract):
 *
 *     reward = 0.6 ^ errors × 0.9 ^ warnings        (in [0, 1]; 1 for a clean draft)
 *
 * so one error costs 40 %, one warning 10 %, and many findings compound rather
 * than go negative. `accepted` = no error finding and reward ≥ `acceptThreshold`
 * (default 0.6, i.e. at most four warnings).
 *
 * Evidence offsets refer to the draft in NFC (`text.normalize("NFC")`), which
 * is the draft itself whenever it is NFC already (the writer and the editor
 * produce NFC).
 */
import { Data } from "effect"
import type { GuardFinding, GuardVerdict } from "../domain/Episode.ts"
import type { EpisodeFingerprint } from "./Fingerprint.ts"
import { builtinChecks } from "./Registry.ts"
import { Memory } from "../util/Memo.ts"
import { defaultGuardOptions, type GuardBible, type GuardCheck, type GuardContext, type GuardOptions, type GuardProject, type RecentEpisode } from "./Context.ts"

export { EpisodeFingerprint, fingerprintEpisode } from "./Fingerprint.ts"
export { pointOfViewOf } from "./checks/PointOfView.ts"
export {
  defaultGuardOptions, type GuardBible, type GuardCheck, type GuardContext, type GuardOptions, type GuardProject,
  type RecentEpisode,
} from "./Context.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export const ERROR_FACTOR = 0.6
export const WARNING_FACTOR = 0.9

/** A plugin check with a name (used when it throws). A bare function is accepted too. */
export interface NamedGuardCheck {
  readonly name: string
  readonly check: GuardCheck
}

/** A guard input that cannot be checked (the message names the field). */
export class GuardInputInvalid extends Data.TaggedError("GuardInputInvalid")<{ readonly message: string }> {}

/** Plain data (structured-clone friendly, it crosses to a stage thread) but `extraChecks`. */
export interface GuardInput {
  readonly text: string
  /** The job's episode number: the outline's beat and the repetition history are read against it. */
  readonly episode: number
  readonly project: GuardProject
  readonly bible: GuardBible
  /** Recent episodes of the project, newest last; give their summaries so a recap is not taken for a copy. */
  readonly recent: ReadonlyArray<RecentEpisode>
  /**
   * A fingerprint (`fingerprintEpisode(body)`) of every committed episode of the project, for
   * `repetition.copy`: a draft copying any earlier episode, however old. Optional: without it only
   * the recent episodes are compared.
   */
  readonly history?: ReadonlyArray<EpisodeFingerprint>
  readonly extraBannedWords?: ReadonlyArray<string>
  readonly extraChecks?: ReadonlyArray<GuardCheck | NamedGuardCheck>
  readonly options?: Partial<GuardOptions>
}

/** `0.6^errors × 0.9^warnings`. */
export const rewardOf = (findings: ReadonlyArray<Pick<GuardFinding, "severity">>): number => {
  let r = 1
  for (const f of findings) r *= f.severity === "error" ? ERROR_FACTOR : WARNING_FACTOR
  return r
}

/**
 * The context the checks read. `memory` is the guard instance's (see `makeGuard`); a fresh one when
 * not given, so a lone call remembers nothing.
 */
export const guardContext = (input: GuardInput, memory: Memory = new Memory()): GuardContext => {
  if (!Number.isInteger(input.episode) || input.episode < 1) {
    throw new GuardInputInvalid({ message: `episode must be the job's episode number (an integer ≥ 1), got ${String(input.episode)}` })
  }
  const seen = new Set<string>()
  const bannedWords: Array<string> = []
  for (const w of [...input.project.bannedWords, ...(input.extraBannedWords ?? [])]) {
    const t = w.normalize("NFC").trim()
    const key = t.toLocaleLowerCase()
    if (t.length === 0 || seen.has(key)) continue
    seen.add(key)
    bannedWords.push(t)
  }
  const options = { ...defaultGuardOptions, ...input.options }
  if (!["error", "warning", "off"].includes(options.endingSeverity)) {
    throw new GuardInputInvalid({ message: `options.endingSeverity must be "error", "warning" or "off", got ${String(options.endingSeverity)}` })
  }
  for (const key of ["monotonousEndingRun", "similarEndingRun"] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 2) {
      throw new GuardInputInvalid({ message: `options.${key} must be an integer ≥ 2 (episodes in a row, the draft included), got ${String(options[key])}` })
    }
  }
  return {
    text: input.text.normalize("NFC"),
    episode: input.episode,
    history: input.history ?? [],
    project: input.project,
    bible: input.bible,
    recent: input.recent,
    bannedWords,
    options,
    memory,
  }
}

/** Keeps a plugin's evidence honest: a span that does not match the text is re-cut from the offsets (clamped). */
const checkedEvidence = (ctx: GuardContext, f: GuardFinding): GuardFinding => {
  if (f.evidence === undefined) return f
  const { start, end, text } = f.evidence
  if (ctx.text.slice(start, end) === text) return f
  const s = Math.max(0, Math.min(ctx.text.length, Math.floor(start)))
  const e = Math.max(s, Math.min(ctx.text.length, Math.floor(end)))
  return { ...f, evidence: { start: s, end: e, text: ctx.text.slice(s, e) } }
}

/** A guard that remembers, from draft to draft, its readings of the Bible, the outline and the recent episodes. */
export interface Guard {
  /** Runs the built-in checks and the extra ones; a throwing extra check becomes a warning. */
  readonly draft: (input: GuardInput) => GuardVerdict
}

/**
 * A guard instance with its own memory and scratch buffers: make one where many drafts are guarded
 * (a stage thread, the in-process stages) and keep it; its verdicts are those of `guardDraft`.
 */
export const makeGuard = (): Guard => {
  const memory = new Memory()
  return { draft: (input) => guardWith(guardContext(input, memory), input) }
}

const guardWith = (ctx: GuardContext, input: GuardInput): GuardVerdict => {
  const findings: Array<GuardFinding> = []
  for (const { check } of builtinChecks) findings.push(...check(ctx))
  return verdictWith(ctx, findings, input.extraChecks ?? [])
}

/** One draft through a fresh guard (nothing remembered): the CLI's `guard`, tests. */
export const guardDraft = (input: GuardInput): GuardVerdict => guardWith(guardContext(input), input)

/** The extra checks' findings after the built-in ones, then the reward and the decision. */
const verdictWith = (
  ctx: GuardContext,
  builtin: ReadonlyArray<GuardFinding>,
  extraChecks: ReadonlyArray<GuardCheck | NamedGuardCheck>,
): GuardVerdict => {
  const findings: Array<GuardFinding> = [...builtin]
  extraChecks.forEach((extra, i) => {
    const name = typeof extra === "function" ? `extra-check-${i + 1}` : extra.name
    const check = typeof extra === "function" ? extra : extra.check
    try {
      for (const f of check(ctx)) findings.push(checkedEvidence(ctx, f))
    } catch (e) {
      findings.push({
        code: "check.crashed",
        category: "style",
        severity: "warning",
        message: `check ${name} threw: ${errorMessage(e)}`,
      })
    }
  })
  const reward = rewardOf(findings)
  const threshold = ctx.options.acceptThreshold
  const accepted = !findings.some((f) => f.severity === "error") && reward >= threshold
  return { accepted, reward, findings }
}

/**
 * `guardDraft(input)` from the verdict of the same input without its extra checks (computed
 * elsewhere, e.g. on a stage thread, where plugin functions cannot go): the extra checks run here.
 */
export const withExtraChecks = (withoutExtras: GuardVerdict, input: GuardInput): GuardVerdict => {
  const extras = input.extraChecks ?? []
  if (extras.length === 0) return withoutExtras
  return verdictWith(guardContext(input), withoutExtras.findings, extras)
}
