/**
 * The cliffhanger (절단신공): readers pay for the next episode because this one stops on a hook.
 *
 * - `ending.no-hook`: the episode closes down — its last sentences end the day, put someone to
 *   sleep, wrap the story up ("그렇게 하루가 저물었다.", "그들은 잠자리에 들었다.") with no hook
 *   after them. Evidence: from the closing sentence to the end. Korean only (the closing words are
 *   Korean); an ending that neither hooks nor closes (`plain`) is not judged.
 * - `ending.monotonous`: the draft ends on the same kind of hook as the episodes right before it
 *   (`monotonousEndingRun` in a row, the draft included), or on nearly the same final sentence as
 *   they did (`similarEndingRun` in a row). Any language.
 *
 * Both are `endingSeverity` (default warning: a weak ending costs 10 % of the reward, it does not
 * reject a draft on its own; "off" turns them off). See `Ending.ts` for how an ending is read.
 */
import type { GuardFinding } from "../../domain/Episode.ts"
import { evidenceOf, type GuardCheck, type GuardContext, isKorean } from "../Context.ts"
import { type Ending, endingOf, isHook } from "../Ending.ts"
import { type Memory, rememberedIn } from "../../util/Memo.ts"

/** Dice coefficient of two final sentences' letter bigrams at which they are "nearly the same". */
export const SIMILAR_ENDING = 0.8

const letterBigrams = (s: string): Map<string, number> => {
  const letters = s.normalize("NFC").replace(/[^\p{L}\p{N}]+/gu, "")
  const grams = new Map<string, number>()
  for (let i = 0; i + 2 <= letters.length; i++) {
    const g = letters.slice(i, i + 2)
    grams.set(g, (grams.get(g) ?? 0) + 1)
  }
  return grams
}

/** Dice coefficient of the letter bigrams (spaces and punctuation ignored): 1 for the same words. */
export const endingSimilarity = (a: string, b: string): number => {
  const ga = letterBigrams(a)
  const gb = letterBigrams(b)
  let na = 0
  let nb = 0
  let shared = 0
  for (const n of ga.values()) na += n
  for (const [g, n] of gb) {
    nb += n
    shared += Math.min(n, ga.get(g) ?? 0)
  }
  return na + nb === 0 ? 0 : (2 * shared) / (na + nb)
}

/** The recent episodes right before the draft (consecutive numbers ending at episode − 1), newest first. */
const episodesRightBefore = (ctx: GuardContext) => {
  const out = []
  let expected = ctx.episode - 1
  for (let i = ctx.recent.length - 1; i >= 0; i--) {
    const ep = ctx.recent[i]!
    if (ep.number !== expected) break
    out.push(ep)
    expected--
  }
  return out
}

/**
 * Endings by text, Korean and not: both checks read the draft's, and a committed episode's is read
 * again for each of the next few drafts of its project. An LRU with room for every project's recent
 * episodes (the factory interleaves the jobs of many projects).
 */
const ENDING_CACHE_SIZE = 160
// by the text as given: a recent episode's body is normalised only when it is first read
const endings = [
  rememberedIn(ENDING_CACHE_SIZE, (text: string) => endingOf(text.normalize("NFC"), false)),
  rememberedIn(ENDING_CACHE_SIZE, (text: string) => endingOf(text.normalize("NFC"), true)),
] as const
const endingOnce = (memory: Memory, text: string, korean: boolean): Ending | undefined => endings[korean ? 1 : 0](memory, text)

const draftEnding = (ctx: GuardContext): Ending | undefined => endingOnce(ctx.memory, ctx.text, isKorean(ctx.project.language))

/** `ending.no-hook`: see the module comment. */
export const noHookCheck: GuardCheck = (ctx) => {
  const severity = ctx.options.endingSeverity
  if (severity === "off" || !isKorean(ctx.project.language)) return []
  const ending = draftEnding(ctx)
  if (ending === undefined || ending.kind !== "flat") return []
  const finding: GuardFinding = {
    code: "ending.no-hook",
    category: "style",
    severity,
    message: `the episode ends flat ("${ending.cue.text}"): no question, reveal, danger, sudden arrival or unresolved line after it to make the reader open the next one`,
    evidence: evidenceOf(ctx.text, ending.cue.start, ending.last.end),
  }
  return [finding]
}

/** `ending.monotonous`: see the module comment. */
export const monotonousEndingCheck: GuardCheck = (ctx) => {
  const o = ctx.options
  if (o.endingSeverity === "off") return []
  const korean = isKorean(ctx.project.language)
  const ending = draftEnding(ctx)
  if (ending === undefined) return []
  const before = episodesRightBefore(ctx)
  const longestRun = Math.max(o.monotonousEndingRun, o.similarEndingRun)
  const earlier: Array<Ending | undefined> = before.slice(0, longestRun - 1).map((ep) => endingOnce(ctx.memory, ep.body, korean))
  const run = (n: number, same: (e: Ending) => boolean): boolean =>
    n >= 2 && earlier.length >= n - 1 && earlier.slice(0, n - 1).every((e) => e !== undefined && same(e))
  const evidence = evidenceOf(ctx.text, ending.cue.start, ending.last.end)
  if (run(o.similarEndingRun, (e) => endingSimilarity(e.last.text, ending.last.text) >= SIMILAR_ENDING)) {
    return [{
      code: "ending.monotonous",
      category: "style",
      severity: o.endingSeverity,
      message: `the last ${o.similarEndingRun} episodes end on nearly the same sentence ("${earlier[0]!.last.text}" before, "${ending.last.text}" now)`,
      evidence,
    }]
  }
  if (isHook(ending.kind) && run(o.monotonousEndingRun, (e) => e.kind === ending.kind)) {
    return [{
      code: "ending.monotonous",
      category: "style",
      severity: o.endingSeverity,
      message: `the last ${o.monotonousEndingRun} episodes all end on the same kind of hook (${ending.kind}); vary it`,
      evidence,
    }]
  }
  return []
}
