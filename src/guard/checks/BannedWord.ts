/** `banned-word`: a word the project (or a plugin) bans, wherever it stands. */
import type { GuardFinding } from "../../domain/Episode.ts"
import { evidenceOf, type GuardCheck } from "../Context.ts"
import { escapeRegExp } from "../Readings.ts"
import { isParticleSuffix } from "../../text/Particles.ts"

/**
 * `banned-word`: every occurrence of a banned word (case-insensitive). A word
 * of three or more characters matches anywhere (Korean glues particles and
 * compounds to it: `스마트폰으로`, `구형스마트폰`); a shorter one only as a
 * word of its own, bare or with particles (`헐` must not match `헐떡였다`).
 */
export const bannedWordCheck: GuardCheck = (ctx) => {
  const out: Array<GuardFinding> = []
  for (const word of ctx.bannedWords) {
    const short = [...word].length <= 2
    const re = new RegExp(short ? `(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(\\p{L}*)` : escapeRegExp(word), "giu")
    for (let m = re.exec(ctx.text); m !== null; m = re.exec(ctx.text)) {
      if (m[0].length === 0) {
        re.lastIndex++
        continue
      }
      const rest = short ? (m[1] ?? "") : ""
      if (short && rest.length > 0 && !isParticleSuffix(rest, word[word.length - 1])) continue
      const end = m.index + m[0].length - rest.length
      out.push({
        code: "banned-word",
        category: "style",
        severity: "error",
        message: `banned word "${word}"`,
        evidence: evidenceOf(ctx.text, m.index, end),
      })
    }
  }
  return out.sort((a, b) => (a.evidence?.start ?? 0) - (b.evidence?.start ?? 0))
}
