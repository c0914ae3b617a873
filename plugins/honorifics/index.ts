/**
 * honorifics: honorific consistency within an episode.
 *
 * A guard check (`honorific.inconsistent`, characterization): the same
 * speaker addresses the same character once with 씨 and once with 님 in one
 * episode (`“세라 씨, …”` … `“세라 님, …”`). Conservative and evidence-backed:
 * - only Bible characters (name, given name or alias) followed by 씨/님 inside dialogue count;
 * - the speaker must be attributed: the narration right after the closing quote
 *   on the same line, or the next line, starts with a Bible character as its subject;
 * - evidence is the rarer form's first use (the later one on a tie); the message cites the other.
 * A warning by default (`severity: error` in the plugin's options makes it an error).
 */
import type { Character } from "../../src/domain/Bible.ts"
import type { GuardFinding } from "../../src/domain/Episode.ts"
import { givenNames } from "../../src/guard/Names.ts"
import type { PluginPipeline } from "../../src/plugins/PluginApi.ts"

type Ctx = Parameters<Parameters<PluginPipeline["check"]>[1]>[0]

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Each character's forms (name, given name, aliases), a form shared by two characters dropped. */
const formsOf = (characters: ReadonlyArray<Character>): Map<string, Character> => {
  const owner = new Map<string, Character>()
  const shared = new Set<string>()
  for (const c of characters) {
    for (const f of new Set([c.name, ...givenNames(c.name), ...c.aliases].map((s) => s.normalize("NFC").trim()).filter((s) => s.length >= 2))) {
      const other = owner.get(f)
      if (other !== undefined && other.id !== c.id) shared.add(f)
      owner.set(f, c)
    }
  }
  for (const f of shared) owner.delete(f)
  return owner
}

interface Address {
  readonly speaker: Character
  readonly target: Character
  readonly honorific: "씨" | "님"
  readonly start: number
  readonly end: number
}

const QUOTE = /“([^”\n]*)”|"([^"\n]*)"|「([^」\n]*)」/g

export const honorificFindings = (ctx: Ctx, severity: "error" | "warning" = "warning"): Array<GuardFinding> => {
  const text = ctx.text
  const owner = formsOf(ctx.bible.characters as ReadonlyArray<Character>)
  if (owner.size === 0) return []
  const forms = [...owner.keys()].sort((a, b) => b.length - a.length).map(escape).join("|")
  const subjectRe = new RegExp(`^\\s*(${forms})(?:께서|이|가|은|는|도)(?![가-힣])`)
  const addressRe = new RegExp(`(?<![가-힣])(${forms})\\s?(씨|님)(?![가-힣])|(?<![가-힣])(${forms})\\s?(씨|님)(?=이|가|은|는|을|를|의|에게|께|과|와|도|만|요|이요|아|야)`, "g")
  const addresses: Array<Address> = []
  QUOTE.lastIndex = 0
  for (let m = QUOTE.exec(text); m !== null; m = QUOTE.exec(text)) {
    const inner = m[1] ?? m[2] ?? m[3] ?? ""
    const innerStart = m.index + 1
    const quoteEnd = m.index + m[0].length
    // the tag: rest of this line, or else the next line
    const lineEnd = text.indexOf("\n", quoteEnd)
    const rest = text.slice(quoteEnd, lineEnd < 0 ? text.length : lineEnd)
    let tag = rest
    if (rest.trim() === "" && lineEnd >= 0) {
      const nextEnd = text.indexOf("\n", lineEnd + 1)
      tag = text.slice(lineEnd + 1, nextEnd < 0 ? text.length : nextEnd)
      if (/^\s*[“"「]/.test(tag)) tag = ""
    }
    const sm = subjectRe.exec(tag)
    if (sm === null) continue
    const speaker = owner.get(sm[1]!)
    if (speaker === undefined) continue
    addressRe.lastIndex = 0
    for (let a = addressRe.exec(inner); a !== null; a = addressRe.exec(inner)) {
      const form = a[1] ?? a[3]!
      const honorific = (a[2] ?? a[4]) as "씨" | "님"
      const target = owner.get(form)
      if (target === undefined || target.id === speaker.id) continue
      const start = innerStart + a.index
      addresses.push({ speaker, target, honorific, start, end: start + a[0].length })
    }
  }
  const byPair = new Map<string, Array<Address>>()
  for (const a of addresses) {
    const key = `${a.speaker.id}\u0000${a.target.id}`
    byPair.set(key, [...(byPair.get(key) ?? []), a])
  }
  const out: Array<GuardFinding> = []
  for (const list of byPair.values()) {
    const ssi = list.filter((a) => a.honorific === "씨")
    const nim = list.filter((a) => a.honorific === "님")
    if (ssi.length === 0 || nim.length === 0) continue
    const [rare, common] = ssi.length < nim.length ? [ssi, nim] : nim.length < ssi.length ? [nim, ssi] : ssi[0]!.start > nim[0]!.start ? [ssi, nim] : [nim, ssi]
    const at = rare[0]!
    const other = common[0]!
    out.push({
      code: "honorific.inconsistent",
      category: "characterization",
      severity,
      message: `${at.speaker.name} calls ${at.target.name} “${text.slice(at.start, at.end)}” here but “${text.slice(other.start, other.end)}” elsewhere in the episode`,
      evidence: { start: at.start, end: at.end, text: text.slice(at.start, at.end) },
    })
  }
  return out.sort((a, b) => a.evidence!.start - b.evidence!.start)
}

export const register = (pipeline: PluginPipeline): void => {
  pipeline.check("honorific-consistency", (ctx, options) => honorificFindings(ctx, options["severity"] === "error" ? "error" : "warning"))
  pipeline.promptAdditions(() => ["같은 인물이 같은 상대를 부를 때는 한 회 안에서 호칭(씨/님, 직함)을 바꾸지 않는다."])
}
