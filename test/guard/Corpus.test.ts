/**
 * The labelled corpus (`corpus/manifest.json`): clean passages and passages
 * with one planted defect each. Recall = defects whose expected code the guard
 * reports as an error. False alarms are counted per (passage, check): an error
 * of a code that passage should not have. The false-alarm rate is over all
 * such opportunities; the rate over clean passages (any error at all) is
 * printed and held to the same bound.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { guardDraft } from "../../src/guard/Guard.ts"
import { worlds } from "./corpus/worlds.ts"

interface Entry {
  readonly file: string
  readonly world: keyof typeof worlds
  readonly recent: ReadonlyArray<string>
  readonly expect: ReadonlyArray<string>
}

const dir = fileURLToPath(new URL("./corpus/", import.meta.url))
const read = (f: string) => readFileSync(dir + f, "utf8")
const manifest: ReadonlyArray<Entry> = JSON.parse(read("manifest.json"))

const CODES = [
  "length.short", "length.long", "banned-word", "language.hangul-share", "name.unknown", "character.dead-acts",
  "repetition.recent", "repetition.internal",
]

describe("labelled corpus", () => {
  it("has recall ≥ 0.95 and false alarms ≤ 2 %", () => {
    let defects = 0
    let detected = 0
    let opportunities = 0
    let falseAlarms = 0
    let clean = 0
    let cleanRejected = 0
    const misses: Array<string> = []
    const alarms: Array<string> = []
    for (const e of manifest) {
      const text = read(e.file)
      const w = worlds[e.world]
      const recent = e.recent.map((f, i) => ({ number: i + 1, body: read(f) }))
      const v = guardDraft({ text, project: w.project, bible: w.bible, recent })
      const errors = new Set(v.findings.filter((f) => f.severity === "error").map((f) => f.code))
      for (const f of v.findings) if (f.evidence) expect(text.slice(f.evidence.start, f.evidence.end)).toBe(f.evidence.text)
      for (const code of e.expect) {
        defects++
        if (errors.has(code) && !v.accepted) detected++
        else misses.push(`${e.file}: ${code}`)
      }
      for (const code of CODES) {
        if (e.expect.includes(code)) continue
        opportunities++
        if (errors.has(code)) {
          falseAlarms++
          alarms.push(`${e.file}: ${code}`)
        }
      }
      if (e.expect.length === 0) {
        clean++
        if (!v.accepted) cleanRejected++
      }
    }
    const recall = detected / defects
    const falseAlarmRate = falseAlarms / opportunities
    console.log(
      `corpus: ${manifest.length} passages (${clean} clean, ${defects} planted defects); ` +
        `recall ${(recall * 100).toFixed(1)}% (${detected}/${defects}); ` +
        `false alarms ${(falseAlarmRate * 100).toFixed(2)}% (${falseAlarms}/${opportunities} passage×check); ` +
        `clean passages rejected ${cleanRejected}/${clean}`,
    )
    if (misses.length > 0) console.log(`missed: ${misses.join("; ")}`)
    if (alarms.length > 0) console.log(`false alarms: ${alarms.join("; ")}`)
    expect(clean).toBeGreaterThanOrEqual(10)
    expect(defects).toBeGreaterThanOrEqual(20)
    expect(recall).toBeGreaterThanOrEqual(0.95)
    expect(falseAlarmRate).toBeLessThanOrEqual(0.02)
    expect(cleanRejected / clean).toBeLessThanOrEqual(0.02)
  })
})
