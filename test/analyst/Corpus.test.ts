/**
 * The hand-labelled corpus (`corpus.ts`): precision and recall of the offline analyst per kind of
 * delta, printed, and held to the bars the factory needs — a false death silences a live
 * character for the rest of the novel, so deaths are held hardest.
 */
import { beforeAll, describe, expect, it } from "@effect/vitest"
import { characterIdOf, type EpisodeAnalysis } from "../../src/domain/Analysis.ts"
import type { Bible } from "../../src/domain/Bible.ts"
import { analyzeOffline } from "../../src/analyst/OfflineAnalyst.ts"
import { templateBibles } from "./bibles.ts"
import { CORPUS, type Genre, type LabelledPassage } from "./corpus.ts"

const KINDS = ["deaths", "injuries", "missing", "captured", "released", "intros", "places", "relations"] as const
type Kind = (typeof KINDS)[number]

const idOf = (label: string): string => (label.startsWith("@") ? characterIdOf(label.slice(1)) : label)
const relationKey = (label: string): string => {
  const [from, type, change, to] = label.split(" ")
  return `${idOf(from!)} ${type} ${change} ${idOf(to!)}`
}

const expectedOf = (p: LabelledPassage, kind: Kind): ReadonlySet<string> => {
  switch (kind) {
    case "deaths": case "injuries": case "missing": case "captured": case "released":
      return new Set((p[kind] ?? []).map(idOf))
    case "intros": case "places":
      return new Set(p[kind] ?? [])
    case "relations":
      return new Set((p.relations ?? []).map(relationKey))
  }
}

const STATUS: Record<"deaths" | "injuries" | "missing" | "captured" | "released", string> = {
  deaths: "dead", injuries: "injured", missing: "missing", captured: "captured", released: "alive",
}

const foundOf = (a: EpisodeAnalysis, kind: Kind): ReadonlySet<string> => {
  const out = new Set<string>()
  for (const d of a.deltas) {
    if (kind === "intros" && d._tag === "CharacterIntroduced") out.add(d.name)
    else if (kind === "places" && d._tag === "PlaceIntroduced") out.add(d.name)
    else if (kind === "relations" && d._tag === "RelationChanged") out.add(`${d.from} ${d.type} ${d.change} ${d.to}`)
    else if (d._tag === "StatusChanged" && kind in STATUS && STATUS[kind as keyof typeof STATUS] === d.status) out.add(d.character)
  }
  return out
}

interface Score {
  tp: number
  fp: number
  fn: number
  readonly misses: Array<string>
  readonly alarms: Array<string>
}

describe("hand-labelled corpus", () => {
  let bibles: Readonly<Record<Genre, Bible>>
  beforeAll(async () => {
    bibles = await templateBibles()
  })

  it("has at least 40 passages, a third of them traps", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40)
    expect(CORPUS.filter((p) => p.trap !== undefined).length).toBeGreaterThanOrEqual(CORPUS.length / 3)
    expect(new Set(CORPUS.map((p) => p.name)).size).toBe(CORPUS.length)
  })

  it("meets the precision and recall bars, with no false death", () => {
    const scores = {} as Record<Kind, Score>
    for (const k of KINDS) scores[k] = { tp: 0, fp: 0, fn: 0, misses: [], alarms: [] }
    for (const p of CORPUS) {
      const template = bibles[p.genre]
      const before = p.before ?? {}
      const bible: Bible = { ...template, characters: template.characters.map((c) => ({ ...c, status: before[c.id] ?? c.status })) }
      const analysis = analyzeOffline({ text: p.text, bible, episode: 7 })
      for (const kind of KINDS) {
        const expected = expectedOf(p, kind)
        const found = foundOf(analysis, kind)
        const s = scores[kind]
        for (const x of found) {
          if (expected.has(x)) s.tp++
          else {
            s.fp++
            s.alarms.push(`${p.name}: ${x}`)
          }
        }
        for (const x of expected) {
          if (!found.has(x)) {
            s.fn++
            s.misses.push(`${p.name}: ${x}`)
          }
        }
      }
    }
    const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d)
    const lines = KINDS.map((k) => {
      const s = scores[k]
      const precision = ratio(s.tp, s.tp + s.fp)
      const recall = ratio(s.tp, s.tp + s.fn)
      return `${k.padEnd(10)} precision ${precision.toFixed(3)} recall ${recall.toFixed(3)}  (tp ${s.tp}, fp ${s.fp}, fn ${s.fn})` +
        (s.misses.length > 0 ? `\n    missed: ${s.misses.join("; ")}` : "") + (s.alarms.length > 0 ? `\n    wrong: ${s.alarms.join("; ")}` : "")
    })
    console.log(`offline analyst on ${CORPUS.length} labelled passages\n${lines.join("\n")}`)

    const deaths = scores.deaths
    expect(deaths.alarms, "false deaths").toEqual([])
    // on a trap passage, no status change of any kind
    const traps = new Set(CORPUS.filter((p) => p.trap !== undefined).map((p) => p.name))
    const trapped = (["injuries", "missing", "captured", "released"] as const).flatMap((k) => scores[k].alarms).filter((a) => traps.has(a.slice(0, a.indexOf(": "))))
    expect(trapped, "status changes read into traps").toEqual([])
    expect(ratio(deaths.tp, deaths.tp + deaths.fp)).toBeGreaterThanOrEqual(0.95)
    expect(ratio(deaths.tp, deaths.tp + deaths.fn)).toBeGreaterThanOrEqual(0.9)
    const intros = scores.intros
    expect(ratio(intros.tp, intros.tp + intros.fp)).toBeGreaterThanOrEqual(0.9)
    expect(ratio(intros.tp, intros.tp + intros.fn)).toBeGreaterThanOrEqual(0.8)
  })
})
