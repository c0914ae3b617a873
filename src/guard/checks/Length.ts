/** `length.*`: the draft outside the project's length band (characters with spaces, NFC). */
import { countCharsWithSpaces } from "../../domain/Episode.ts"
import { evidenceOf, type GuardCheck } from "../Context.ts"

/** `length.short` / `length.long`: characters with spaces (line breaks excluded) outside the band. */
export const lengthCheck: GuardCheck = (ctx) => {
  const { text } = ctx
  const { min, max } = ctx.project.lengthBand
  const n = countCharsWithSpaces(text)
  if (n < min) {
    const start = text.length - text.trimStart().length
    const end = text.trimEnd().length
    return [{
      code: "length.short",
      category: "length",
      severity: "error",
      message: `${n} characters with spaces, below the band ${min}–${max} by ${min - n}`,
      evidence: evidenceOf(text, start, Math.max(start, end)),
    }]
  }
  if (n > max) {
    // evidence: everything past the max-th counted character
    let counted = 0
    let cut = text.length
    for (let i = 0; i < text.length;) {
      const cp = text.codePointAt(i) ?? 0
      const width = cp > 0xffff ? 2 : 1
      const ch = text.slice(i, i + width)
      if (ch !== "\n" && ch !== "\r") {
        if (counted === max) {
          cut = i
          break
        }
        counted++
      }
      i += width
    }
    return [{
      code: "length.long",
      category: "length",
      severity: "error",
      message: `${n} characters with spaces, above the band ${min}–${max} by ${n - max}`,
      evidence: evidenceOf(text, cut, text.length),
    }]
  }
  return []
}
