/**
 * The $0 summary of an episode handed to the writer of the next one: what changed, said plainly
 * (who died, who was hurt, taken or lost, who came in, who swore or broke with whom, what broke), then the
 * sentences that carry the plot, in story order, within {@link SUMMARY_MAX} characters. Built
 * from the episode's analysis; the extractive summary of the text only when the analysis found
 * nothing to tell. Deterministic.
 */
import type { EpisodeAnalysis, RelationChanged, StatusChanged } from "../domain/Analysis.ts"
import type { Bible } from "../domain/Bible.ts"
import { josa } from "../text/Particles.ts"
import { splitSentences } from "../text/Sentences.ts"
import { summarizeEpisode } from "../text/Summary.ts"
import { SPEECH_TAG } from "./KoreanPatterns.ts"

export const SUMMARY_MAX = 400

export interface OfflineSummaryInput {
  /** The episode's text (Markdown). */
  readonly body: string
  readonly analysis: EpisodeAnalysis
  /** The Bible as the previous episode left it (names of the cast, places, factions, items). */
  readonly bible: Bible
  /** The episode's title: the summary when there is nothing else to say. */
  readonly title?: string
}

const subject = (name: string) => josa(name, "이")
const topic = (name: string) => josa(name, "은")
const object = (name: string) => josa(name, "을")
const withWhom = (name: string) => josa(name, "과")

/** Connectives a clause opens with that mean nothing out of their paragraph. */
const LEADING_CONNECTIVE = /^(?:그리고|그러나|하지만|그런데|그러자|그렇게|그때|그러다)\s+/

const STATUS_VERB: Record<StatusChanged["status"], string> = {
  dead: "숨졌다",
  injured: "다쳤다",
  missing: "행방불명되었다",
  captured: "붙잡혔다",
  alive: "무사히 돌아왔다",
}

interface Item {
  /** Where in the text it happens (its evidence), for story order. */
  readonly at: number
  /** Lower is more important when the budget is short. */
  readonly rank: number
  readonly text: string
}

const statusLine = (s: StatusChanged, name: string, forms: ReadonlyArray<string>): string => {
  const note = s.note.replace(LEADING_CONNECTIVE, "").trim()
  // a clause that names the character itself (태주의 시신 …) reads badly after the name
  if (note.length === 0 || forms.some((f) => note.includes(f))) return `${topic(name)} ${STATUS_VERB[s.status]}.`
  return `${topic(name)} ${note.replace(/[.!…]+$/, "")}.`
}

const relationLine = (r: RelationChanged, a: string, b: string, mutual: boolean): string => {
  switch (r.type) {
    case "SERVES":
      return r.change === "formed" ? `${subject(a)} ${b}에게 충성을 맹세했다.` : `${subject(a)} ${object(b)} 배신했다.`
    case "LOVES":
      if (r.change === "broken") return `${withWhom(a)} ${subject(b)} 헤어졌다.`
      return mutual ? `${withWhom(a)} ${subject(b)} 서로의 마음을 확인했다.` : `${subject(a)} ${b}에게 마음을 전했다.`
    case "HATES":
      return r.change === "formed" ? `${subject(a)} ${object(b)} 원수로 여기게 되었다.` : `${subject(a)} ${b}에 대한 원한을 내려놓았다.`
    case "RIVAL_OF":
      return r.change === "formed" ? `${subject(a)} ${withWhom(b)} 맞수가 되었다.` : `${subject(a)} ${withWhom(b)} 더는 다투지 않게 되었다.`
    case "KNOWS":
      return r.change === "formed" ? `${subject(a)} ${withWhom(b)} 처음 만났다.` : `${subject(a)} ${withWhom(b)} 인연을 끊었다.`
    case "MEMBER_OF":
      return r.change === "formed" ? `${subject(a)} ${b}에 들어갔다.` : `${subject(a)} ${object(b)} 떠났다.`
    case "OWNS":
      return r.change === "formed" ? `${subject(a)} ${object(b)} 손에 넣었다.` : `${subject(a)} ${object(b)} 잃었다.`
    case "LOCATED_IN":
      return r.change === "formed" ? `${subject(a)} ${b}에 자리를 잡았다.` : `${subject(a)} ${object(b)} 떠났다.`
  }
}

const compact = (s: string): string => s.replace(/\s+/g, " ").trim()

/** `s` within {@link SUMMARY_MAX} code points, an ellipsis saying it was cut. */
const clip = (s: string): string => {
  const points = [...s]
  return points.length <= SUMMARY_MAX ? s : `${points.slice(0, SUMMARY_MAX - 1).join("")}…`
}

export const summarizeOffline = (input: OfflineSummaryInput): string => {
  const { analysis, bible } = input
  const names = new Map<string, string>()
  const forms = new Map<string, ReadonlyArray<string>>()
  for (const c of bible.characters) {
    names.set(c.id, c.name)
    forms.set(c.id, [c.name, ...c.aliases])
  }
  for (const x of [...bible.places, ...bible.factions, ...bible.items]) names.set(x.id, x.name)
  for (const d of analysis.deltas) {
    if (d._tag === "CharacterIntroduced") {
      names.set(d.id, d.name)
      forms.set(d.id, [d.name, ...d.aliases])
    } else if (d._tag === "PlaceIntroduced") names.set(d.id, d.name)
  }
  const nameOf = (id: string) => names.get(id) ?? id

  const items: Array<Item> = []
  /** Where the sentences are that a line above already tells: their events are not told again. */
  const told = new Set<number>()
  for (const d of analysis.deltas) {
    if (d._tag !== "StatusChanged") continue
    items.push({ at: d.evidence.start, rank: d.status === "dead" ? 0 : 1, text: statusLine(d, nameOf(d.character), forms.get(d.character) ?? []) })
    told.add(d.evidence.start)
  }

  // the newcomers of one sentence in one line: 대장장이 마석두와 아린이 처음 등장했다.
  const introducedAt = new Map<number, Array<string>>()
  for (const d of analysis.deltas) {
    if (d._tag !== "CharacterIntroduced") continue
    const who = d.role !== "" ? `${d.role} ${d.name}` : d.name
    introducedAt.set(d.evidence.start, [...(introducedAt.get(d.evidence.start) ?? []), who])
  }
  for (const [at, who] of introducedAt) {
    const list = who.slice(0, -1).map(withWhom).concat(subject(who[who.length - 1]!)).join(" ")
    items.push({ at, rank: 2, text: `${list} 처음 등장했다.` })
    told.add(at)
  }

  const relations = analysis.deltas.filter((d): d is RelationChanged => d._tag === "RelationChanged")
  const said = new Set<RelationChanged>()
  for (const r of relations) {
    if (said.has(r)) continue
    const back = relations.find((x) => x !== r && x.from === r.to && x.to === r.from && x.type === r.type && x.change === r.change)
    if (back !== undefined) said.add(back)
    items.push({ at: r.evidence.start, rank: 3, text: relationLine(r, nameOf(r.from), nameOf(r.to), back !== undefined) })
    told.add(r.evidence.start)
  }

  for (const d of analysis.deltas) {
    if (d._tag !== "FactNoted") continue
    items.push({ at: d.evidence.start, rank: 3, text: `${d.text.replace(/[.!…]+$/, "")}.` })
    told.add(d.evidence.start)
  }

  for (const d of analysis.deltas) {
    if (d._tag !== "PlaceIntroduced") continue
    // where the story went: the sentence that brought the place in says it (일행은 청운객잔에 도착했다)
    const inDialogue = /^["“‘'「『]/.test(d.evidence.text)
    items.push({ at: d.evidence.start, rank: 4, text: inDialogue ? `새로운 장소 ${subject(d.name)} 등장했다.` : compact(d.evidence.text) })
    told.add(d.evidence.start)
  }

  for (const d of analysis.deltas) {
    if (d._tag !== "EventHappened" || (d.evidence !== undefined && told.has(d.evidence.start))) continue
    items.push({ at: d.evidence?.start ?? Number.MAX_SAFE_INTEGER, rank: d.place !== undefined ? 4 : 5, text: compact(d.description) })
  }

  if (items.length === 0) {
    // nothing changed: the extract of the text, without the lines that only tag dialogue (백린이 말했다.)
    const told = splitSentences(input.body).filter((s) => !SPEECH_TAG.test(s.text)).map((s) => s.text).join("\n")
    const extract = summarizeEpisode(told, { names: [...names.values()], maxChars: SUMMARY_MAX })
    return extract !== "" ? extract : clip((input.title ?? "").trim())
  }

  const ranked = items.map((item, order) => ({ item, order })).sort((x, y) => x.item.rank - y.item.rank || x.item.at - y.item.at || x.order - y.order)
  const chosen: Array<{ item: Item; order: number }> = []
  let used = 0
  for (const c of ranked) {
    const cost = [...c.item.text].length + (chosen.length > 0 ? 1 : 0)
    if (used + cost > SUMMARY_MAX) continue
    chosen.push(c)
    used += cost
  }
  // a single item longer than the whole budget still says something
  if (chosen.length === 0) return clip(ranked[0]!.item.text)
  chosen.sort((x, y) => x.item.at - y.item.at || x.item.rank - y.item.rank || x.order - y.order)
  return chosen.map((c) => c.item.text).join(" ")
}
