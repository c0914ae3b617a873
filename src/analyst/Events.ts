/**
 * The few sentences (at most five) that carry an episode's plot: first those that tell a status
 * change, an introduction or a relation change, then narration sentences that name the cast and
 * move the plot with a strong verb. Generic narration (`윤하가 말했다.`, a landscape) never is one.
 */
import { PLOT_VERBS, SPEECH_TAG } from "./KoreanPatterns.ts"
import { type CastReading, mentionedIn } from "./Narration.ts"

export const MAX_EVENTS = 5
const MIN_LENGTH = 15
/** How often a sentence's last two words may recur in the narration before the sentence counts as filler. */
const FILLER_REPEATS = 3

export interface ChosenEvent {
  readonly sentence: number
  /** Characters the sentence is about (mentioned, or named by a delta it carries). */
  readonly characters: ReadonlyArray<string>
}

/**
 * The event sentences, in story order. `carried` maps a sentence that tells a delta to the
 * characters that delta names (the subject `그는` stands for).
 */
export const chooseEvents = (n: CastReading, carried: ReadonlyMap<number, ReadonlyArray<string>>): Array<ChosenEvent> => {
  const chosen = new Map<number, ReadonlyArray<string>>()
  for (const [i, ids] of [...carried].sort((a, b) => a[0] - b[0])) {
    if (chosen.size >= MAX_EVENTS) break
    const mentioned = mentionedIn(n, i)
    chosen.set(i, [...new Set([...ids, ...mentioned])])
  }
  if (chosen.size < MAX_EVENTS) {
    // a predicate the text keeps repeating (`입을 열었다가 다시 닫았다`) is the prose's filler, not its plot
    const predicates = n.sentences.map((s) =>
      s.endWord - s.firstWord >= 2 ? `${n.words[s.endWord - 2]!.text} ${n.words[s.endWord - 1]!.text}` : (n.words[s.firstWord]?.text ?? "")
    )
    const repeats = new Map<string, number>()
    for (const p of predicates) repeats.set(p, (repeats.get(p) ?? 0) + 1)
    const scored: Array<{ i: number; score: number; ids: ReadonlyArray<string> }> = []
    n.sentences.forEach((s, i) => {
      if (chosen.has(i) || s.text.length < MIN_LENGTH || repeats.get(predicates[i]!)! >= FILLER_REPEATS) return
      const ids = mentionedIn(n, i)
      if (ids.length === 0 || SPEECH_TAG.test(s.text) || !PLOT_VERBS.test(s.text)) return
      scored.push({ i, score: ids.length + (s.text.length >= 30 ? 1 : 0), ids })
    })
    scored.sort((a, b) => b.score - a.score || a.i - b.i)
    for (const c of scored) {
      if (chosen.size >= MAX_EVENTS) break
      chosen.set(c.i, c.ids)
    }
  }
  return [...chosen].sort((a, b) => a[0] - b[0]).map(([sentence, characters]) => ({ sentence, characters }))
}
