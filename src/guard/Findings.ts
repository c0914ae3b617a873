/**
 * Formatting guard findings for the CLI: `novel-factory guard` prints one
 * block per finding with its evidence (line:column and a clipped excerpt) and
 * the reward; `--json` prints the verdict as JSON.
 */
import type { GuardFinding, GuardVerdict } from "../domain/Episode.ts"

/** 1-based line and column (in code points) of an offset. */
export const lineColumn = (text: string, offset: number): { line: number; column: number } => {
  let line = 1
  let lineStart = 0
  const end = Math.max(0, Math.min(offset, text.length))
  for (let i = 0; i < end; i++) {
    if (text[i] === "\n") {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: [...text.slice(lineStart, end)].length + 1 }
}

/** `text` on one line, at most `max` code points (an ellipsis in the middle when longer). */
export const clip = (text: string, max = 80): string => {
  const flat = text.replace(/\s*\n\s*/g, " ⏎ ")
  const chars = [...flat]
  if (chars.length <= max) return flat
  const head = Math.ceil((max - 1) / 2)
  const tail = max - 1 - head
  return chars.slice(0, head).join("") + "…" + chars.slice(chars.length - tail).join("")
}

export interface FormatOptions {
  /** The draft, to print line:column of each piece of evidence. */
  readonly text?: string
  /** Longest evidence excerpt, in code points. Default 80. */
  readonly maxEvidence?: number
}

/** One finding: `error  name.unknown  [characterization]  12:5  message` + the evidence line. */
export const formatFinding = (f: GuardFinding, options: FormatOptions = {}): string => {
  const where = f.evidence !== undefined && options.text !== undefined
    ? (() => {
      const { line, column } = lineColumn(options.text, f.evidence.start)
      return `${line}:${column}`
    })()
    : f.evidence !== undefined
    ? `@${f.evidence.start}`
    : ""
  const head = [f.severity.padEnd(7), f.code, `[${f.category}]`, where, f.message].filter((s) => s.length > 0).join("  ")
  if (f.evidence === undefined) return head
  return `${head}\n    > ${clip(f.evidence.text, options.maxEvidence ?? 80)}`
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`

/** The whole verdict for a terminal. */
export const formatVerdict = (verdict: GuardVerdict, options: FormatOptions = {}): string => {
  const errors = verdict.findings.filter((f) => f.severity === "error").length
  const warnings = verdict.findings.length - errors
  const lines = verdict.findings.map((f) => formatFinding(f, options))
  lines.push(
    `${verdict.accepted ? "accepted" : "rejected"} — reward ${verdict.reward.toFixed(3)} (${count(errors, "error")}, ${count(warnings, "warning")})`,
  )
  return lines.join("\n")
}

/** `--json`: the verdict, pretty-printed. */
export const verdictJson = (verdict: GuardVerdict): string => JSON.stringify(verdict, null, 2)

/** Findings as a short list for a writer's brief or a job's reason. */
export const summarizeFindings = (findings: ReadonlyArray<GuardFinding>, max = 5): string => {
  const shown = findings.slice(0, max).map((f) => `${f.code}: ${f.message}${f.evidence ? ` (“${clip(f.evidence.text, 40)}”)` : ""}`)
  if (findings.length > max) shown.push(`… ${findings.length - max} more`)
  return shown.join("; ")
}
