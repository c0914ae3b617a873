/**
 * The labelled corpus (`corpus/manifest.json`): good passages and passages with one kind of failure
 * each, many of them written as a chat model answers (wrapped in JSON or a fence, with a preamble,
 * cut off, in the first person …). Each passage runs through what the pipeline runs:
 * `sanitizeDraft`, then `guardDraft` on what is left, with the fingerprints of every episode before
 * it as the history.
 *
 * A manifest entry: `older` and `recent` are earlier episodes (numbered 1, 2 … in that order;
 * `recent` are the ones the guard reads whole), the passage is the episode after them unless
 * `episode` says otherwise, `expect` the codes it must get, `kind` the failure's name (by default
 * its first code).
 *
 * Detection of an expected code:
 * - a guard code: the verdict rejects the draft with that code as an error (or one of the same
 *   defect, see {@link SAME_DEFECT});
 * - `sanitize.cut-mid-sentence`, `sanitize.empty`: the sanitizer rejects the draft;
 * - another `sanitize.<kind>` (a strip): the sanitizer reports that strip (the draft is then
 *   checked clean: the strip IS the fix, so detection is the finding, not a rejection).
 *
 * A false alarm: a good passage (`expect: []`) that the sanitizer rejects or strips anything of,
 * or that the guard rejects or gives any error.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { type EpisodeFingerprint, fingerprintEpisode, guardDraft } from "../../src/guard/Guard.ts"
import { endingOf } from "../../src/guard/Ending.ts"
import { sanitizeDraft } from "../../src/pipeline/Sanitize.ts"
import { worlds } from "./corpus/worlds.ts"
import type { CorpusEntry as Entry } from "./corpus/manifest.ts"


const dir = fileURLToPath(new URL("./corpus/", import.meta.url))
const read = (f: string) => readFileSync(dir + f, "utf8")
const manifest: ReadonlyArray<Entry> = JSON.parse(read("manifest.json"))

/**
 * Codes that say the same thing: a Korean draft with too much English is rejected by the letter
 * share (`language.hangul-share`, < 85 % Hangul letters) or, above it, by the word share
 * (`language.mix`); which one depends on how long its English words are.
 */
const SAME_DEFECT: Record<string, ReadonlyArray<string>> = {
  "language.mix": ["language.mix", "language.hangul-share"],
  "language.hangul-share": ["language.hangul-share", "language.mix"],
}

/** Sanitizer codes detected by a rejection rather than by the strip's finding. */
const REJECTING = new Set(["sanitize.cut-mid-sentence", "sanitize.empty"])

const fingerprints = new Map<string, ReadonlyArray<number>>()
const fingerprintOf = (file: string) => {
  let f = fingerprints.get(file)
  if (f === undefined) fingerprints.set(file, f = fingerprintEpisode(read(file)))
  return f
}

/** The pipeline on one corpus entry. */
const runEntry = (e: Entry) => {
  const raw = read(e.file)
  const w = worlds[e.world]
  const earlier = [...(e.older ?? []), ...e.recent]
  const episode = e.episode ?? earlier.length + 1
  const recent = e.recent.map((f, i) => ({ number: (e.older?.length ?? 0) + i + 1, body: read(f) }))
  const history: Array<EpisodeFingerprint> = earlier.map((f, i) => ({ number: i + 1, sentences: fingerprintOf(f) }))
  const sanitized = sanitizeDraft(raw, { language: w.project.language })
  const verdict = sanitized.rejected
    ? undefined
    : guardDraft({ text: sanitized.text, episode, project: w.project, bible: w.bible, recent, history })
  return { raw, sanitized, verdict }
}

describe("labelled corpus", () => {
  it("catches ≥ 95 % of the failures of every kind and false-alarms on ≤ 5 % of the good passages", () => {
    const perKind = new Map<string, { cases: number; defects: number; detected: number }>()
    let good = 0
    const alarms: Array<string> = []
    const misses: Array<string> = []
    for (const e of manifest) {
      const { raw, sanitized, verdict } = runEntry(e)
      // evidence is honest: the sanitizer's is a span of the raw answer, the guard's of the sanitized text
      for (const f of sanitized.findings) if (f.evidence) expect(raw.slice(f.evidence.start, f.evidence.end)).toBe(f.evidence.text)
      for (const f of verdict?.findings ?? []) if (f.evidence) expect(sanitized.text.slice(f.evidence.start, f.evidence.end)).toBe(f.evidence.text)
      const guardErrors = new Set((verdict?.findings ?? []).filter((f) => f.severity === "error").map((f) => f.code))
      const strips = new Set(sanitized.findings.map((f) => f.code))
      if (e.expect.length === 0) {
        good++
        const why = sanitized.rejected
          ? sanitized.findings.map((f) => f.code).join(", ")
          : [...strips, ...guardErrors, ...(verdict!.accepted ? [] : ["rejected"])].join(", ")
        if (why !== "") alarms.push(`${e.file}: ${why}`)
        continue
      }
      const kind = e.kind ?? e.expect[0]!
      const k = perKind.get(kind) ?? { cases: 0, defects: 0, detected: 0 }
      k.cases++
      perKind.set(kind, k)
      for (const code of e.expect) {
        k.defects++
        const hit = !code.startsWith("sanitize.")
          ? verdict !== undefined && !verdict.accepted && (SAME_DEFECT[code] ?? [code]).some((c) => guardErrors.has(c))
          : REJECTING.has(code)
          ? sanitized.rejected && strips.has(code)
          : strips.has(code)
        if (hit) k.detected++
        else {
          const got = sanitized.rejected ? "sanitizer rejected" : [...strips, ...guardErrors].join(", ") || "nothing"
          misses.push(`${e.file}: ${code} (got ${got})`)
        }
      }
    }
    let defects = 0
    let detected = 0
    const lines: Array<string> = []
    for (const [kind, k] of [...perKind].sort((a, b) => a[0].localeCompare(b[0]))) {
      defects += k.defects
      detected += k.detected
      lines.push(`  ${kind.padEnd(34)} ${k.cases} cases, recall ${((k.detected / k.defects) * 100).toFixed(0)}% (${k.detected}/${k.defects})`)
    }
    const recall = detected / defects
    const falseAlarmRate = alarms.length / good
    console.log(
      `corpus: ${manifest.length} passages, ${good} good, ${manifest.length - good} with a failure (${perKind.size} kinds)\n` +
        lines.join("\n") +
        `\n  recall ${(recall * 100).toFixed(1)}% (${detected}/${defects}); false alarms ${(falseAlarmRate * 100).toFixed(1)}% (${alarms.length}/${good} good passages)`,
    )
    if (misses.length > 0) console.log(`missed:\n  ${misses.join("\n  ")}`)
    if (alarms.length > 0) console.log(`false alarms:\n  ${alarms.join("\n  ")}`)
    expect(good).toBeGreaterThanOrEqual(60)
    expect(perKind.size).toBeGreaterThanOrEqual(17)
    for (const [kind, k] of perKind) {
      expect(k.cases, `cases of ${kind}`).toBeGreaterThanOrEqual(2)
      // a kind the guard stopped catching must not hide behind the others
      expect(k.detected / k.defects, `recall of ${kind}`).toBeGreaterThanOrEqual(0.95)
    }
    expect(recall).toBeGreaterThanOrEqual(0.95)
    expect(falseAlarmRate).toBeLessThanOrEqual(0.05)
  })
})

/** The ending checks (warnings by default, so the test above cannot see them): recall and false alarms of each code. */
describe("labelled corpus: endings", () => {
  it("warns on ≥ 95 % of the flat and monotonous endings, on ≤ 5 % of the other good passages, and rejects none of them for it", () => {
    const codes = ["ending.no-hook", "ending.monotonous"]
    const labelled = manifest.filter((e) => e.ending !== undefined)
    const flat = labelled.filter((e) => e.ending === "flat")
    const hooked = labelled.filter((e) => e.ending !== "flat")
    expect(flat.length, "flat endings labelled").toBeGreaterThanOrEqual(10)
    expect(new Set(hooked.map((e) => e.file)).size, "hooked endings labelled").toBeGreaterThanOrEqual(20)
    expect(new Set(hooked.map((e) => e.ending)).size, "kinds of hook labelled").toBeGreaterThanOrEqual(6)
    const lines: Array<string> = []
    const problems: Array<string> = []
    const goodEntries = manifest.filter((e) => e.expect.length === 0).map((e) => ({ e, verdict: runEntry(e).verdict }))
    for (const code of codes) {
      let cases = 0
      let detected = 0
      let good = 0
      const alarms: Array<string> = []
      for (const { e, verdict } of goodEntries) {
        const got = verdict?.findings.find((f) => f.code === code)
        if (e.warn?.includes(code)) {
          cases++
          if (got !== undefined) detected++
          else problems.push(`missed ${code}: ${e.file}`)
          // a weak ending costs a warning; on its own it never rejects a draft
          if (got !== undefined && (got.severity !== "warning" || !verdict!.accepted)) problems.push(`${e.file}: ${code} rejected it`)
        } else {
          good++
          if (got !== undefined) alarms.push(`${e.file}: “${got.evidence?.text ?? ""}”`)
        }
      }
      lines.push(
        `  ${code.padEnd(18)} recall ${((detected / cases) * 100).toFixed(0)}% (${detected}/${cases}); ` +
          `false alarms ${((alarms.length / good) * 100).toFixed(1)}% (${alarms.length}/${good} good passages)`,
      )
      problems.push(...alarms.map((a) => `false ${code}: ${a}`))
      expect(cases, `cases of ${code}`).toBeGreaterThanOrEqual(code === "ending.no-hook" ? 10 : 3)
      expect(detected / cases, `recall of ${code}`).toBeGreaterThanOrEqual(0.95)
      expect(alarms.length / good, `false alarms of ${code}`).toBeLessThanOrEqual(0.05)
    }
    // the kind read from each labelled ending (it is what `ending.monotonous` compares)
    let sameKind = 0
    const confusions: Array<string> = []
    for (const e of labelled) {
      const kind = endingOf(read(e.file).normalize("NFC"), true)?.kind
      if (kind === e.ending) sameKind++
      else confusions.push(`${e.file}: labelled ${e.ending}, read ${kind}`)
    }
    console.log(
      `corpus endings: ${flat.length} flat, ${hooked.length} hooked (${[...new Set(hooked.map((e) => e.ending))].join(", ")})\n` +
        lines.join("\n") +
        `\n  kind read as labelled: ${sameKind}/${labelled.length}` + (confusions.length > 0 ? `\n    ${confusions.join("\n    ")}` : "") +
        (problems.length > 0 ? `\n${problems.join("\n")}` : ""),
    )
    expect(problems.filter((p) => p.includes("rejected it"))).toEqual([])
    // a hooked ending is never read as flat, nor a flat one as a hook
    expect(confusions.filter((c) => c.includes("flat"))).toEqual([])
  })
})
