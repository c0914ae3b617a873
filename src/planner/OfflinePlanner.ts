/**
 * The $0 planner: composes the next arc from the Bible with pure functions, seeded from the
 * project's seed and the arc's ordinal, so the same story plans the same arc every time.
 *
 * An arc opens on a new lead, rises through encounters of the living cast at the story's places
 * (their relations, the recent events and facts), pays off the open threads that are due, plants a
 * thread of its own for a later arc, and closes on a climax and an aftermath. Every beat and title is
 * new to the outline; a dead character never acts (they may be remembered).
 */
import type { Character, Place } from "../domain/Bible.ts"
import type { BeatDraft, Thread } from "../domain/Outline.ts"
import { josa } from "../text/Particles.ts"
import { fnv1a32, mulberry32 } from "../util/Prng.ts"
import { beatRefusal, type PlannedArc, type PlannerFinding, type PlanRequest, rememberBeat, statusAfterOutline, takenOf } from "./ArcPlan.ts"

type Rng = () => number

const pick = <A>(rng: Rng, xs: ReadonlyArray<A>): A => xs[Math.floor(rng() * xs.length)]!

/** The generator of arc `arcIndex` (0-based ordinal among the outline's arcs) of a project. */
export const arcRng = (seed: number, slug: string, arcIndex: number): Rng => mulberry32((seed ^ fnv1a32(slug) ^ Math.imul(arcIndex + 1, 0x9e3779b1)) >>> 0)

const MOTIFS = ["비밀", "약속", "그림자", "맹세", "배신", "기억", "유산", "진실", "거래", "흔적", "경고", "문", "열쇠", "침묵", "불씨"]
const SECRETS = ["봉인된 편지", "지워진 이름", "사라진 장부", "부서진 인장", "잊힌 맹세", "숨겨진 통로", "가짜 증인", "낡은 지도 조각", "두 번째 열쇠", "끊긴 혈서"]
/** What an arc is for: as its goal states it, and as a character resolves to it. */
const OBJECTIVES: ReadonlyArray<readonly [goal: string, resolve: string]> = [
  ["진실을 밝혀낸다", "진실을 밝혀내기로"],
  ["잃어버린 것을 되찾는다", "잃어버린 것을 되찾기로"],
  ["배후를 끌어낸다", "배후를 끌어내기로"],
  ["무너진 신뢰를 다시 세운다", "무너진 신뢰를 다시 세우기로"],
  ["마지막 결단을 내린다", "끝내 결단을 내리기로"],
  ["숨은 적의 정체를 확인한다", "숨은 적의 정체를 확인하기로"],
]
const TIMES = ["새벽", "한낮", "해 질 녘", "깊은 밤", "비 오는 저녁", "안개 낀 아침", "축제 전야", "폭풍이 지난 뒤"]

const name = (c: Character) => c.name

type Slots = { a: Character; b: Character; place: Place; motif: string; time: string }

/** Rising beats: two people (or one), a place, a motif; each with the episode title it suggests. */
const RISING: ReadonlyArray<{ readonly title: string; readonly text: (s: Slots) => string }> = [
  { title: "마주 앉은 자리", text: (s) => `${s.time}, ${josa(name(s.a), "은")} ${s.place.name}에서 ${josa(name(s.b), "와")} 마주 앉아 ${josa(s.motif, "을")} 두고 말을 고른다.` },
  { title: "엇갈린 길", text: (s) => `${josa(name(s.a), "이")} ${s.place.name}에 남겨진 ${josa(s.motif, "의")} 흔적을 따라가다 ${josa(name(s.b), "와")} 엇갈린다.` },
  { title: "숨겨진 고백", text: (s) => `${josa(name(s.b), "은")} ${josa(name(s.a), "에게")} ${s.motif}에 얽힌 사실 하나를 숨겨 왔음을 ${s.place.name}에서 털어놓는다.` },
  { title: "의심의 씨앗", text: (s) => `${s.place.name}에서 벌어진 소동 속에 ${josa(name(s.a), "과")} ${josa(name(s.b), "은")} 서로를 의심하게 된다.` },
  { title: "홀로 선 밤", text: (s) => `${josa(name(s.a), "은")} ${josa(s.motif, "을")} 지키기 위해 ${s.time}의 ${s.place.name}에서 홀로 위험한 선택을 한다.` },
  { title: "목격", text: (s) => `${josa(name(s.b), "이")} ${s.place.name}의 누군가와 거래하는 모습을 ${josa(name(s.a), "이")} 목격한다.` },
  { title: "충돌", text: (s) => `${josa(name(s.a), "과")} ${josa(name(s.b), "은")} ${s.place.name}에서 ${s.motif}의 대가를 두고 처음으로 크게 부딪친다.` },
  { title: "덫", text: (s) => `${s.time}의 ${s.place.name}, ${josa(name(s.a), "은")} ${josa(name(s.b), "의")} 진심을 시험하는 덫을 놓는다.` },
  { title: "내민 손", text: (s) => `${josa(name(s.a), "이")} ${s.place.name}에서 쫓기던 중 ${josa(name(s.b), "이")} 뜻밖의 손을 내민다.` },
  { title: "옛이야기", text: (s) => `${josa(name(s.b), "은")} ${s.place.name}에 얽힌 옛 ${josa(s.motif, "을")} ${josa(name(s.a), "에게")} 들려주며 경고한다.` },
  { title: "잃을 위기", text: (s) => `${josa(name(s.a), "은")} ${s.place.name}에서 ${s.motif}의 단서를 손에 넣지만, 그 대가로 ${josa(name(s.b), "을")} 잃을 위기에 놓인다.` },
  { title: "남겨진 흔적", text: (s) => `${s.time}, ${josa(s.place.name, "으로")} 향하던 ${josa(name(s.a), "은")} ${josa(name(s.b), "이")} 남긴 ${josa(s.motif, "을")} 발견한다.` },
]

/** Rising beats for a story down to one living character. */
const SOLO: ReadonlyArray<{ readonly title: string; readonly text: (s: Slots) => string }> = [
  { title: "홀로 선 밤", text: (s) => `${josa(name(s.a), "은")} ${josa(s.motif, "을")} 지키기 위해 ${s.time}의 ${s.place.name}에서 홀로 위험한 선택을 한다.` },
  { title: "빈자리", text: (s) => `${s.time}의 ${s.place.name}, ${josa(name(s.a), "은")} 떠난 이들의 빈자리에서 ${s.motif}의 뜻을 곱씹는다.` },
  { title: "혼자 걷는 길", text: (s) => `${josa(name(s.a), "은")} ${s.place.name}에 남겨진 ${s.motif}의 흔적을 홀로 따라간다.` },
  { title: "낯선 편지", text: (s) => `${s.time}, ${josa(name(s.a), "은")} ${s.place.name}에서 ${s.motif}에 관한 낯선 편지를 받는다.` },
]

/** How far back a death still calls for a memorial beat. */
const RECENT_EPISODES = 10

const ARC_TITLE_NOUNS = [" 편", " 이야기", "의 밤", "의 노래", "의 계절", "의 문턱", "의 그림자", "의 맹세", "의 귀환", "의 불꽃"]

export interface OfflinePlanOptions {
  /** The new arc's ordinal among the outline's arcs (seeds the generator). */
  readonly arcIndex?: number
}

/**
 * The next arc, composed without a model. Pure: the same request gives the same arc. Never fails;
 * when the Bible has no living character it plans around the places alone (the caller's checks
 * still refuse anything that names the dead).
 */
export const planArcOffline = (request: PlanRequest, options: OfflinePlanOptions = {}): PlannedArc => {
  const { project, outline, bible, from } = request
  const arcIndex = options.arcIndex ?? outline.arcs.length
  const rng = arcRng(project.seed, project.slug, arcIndex)
  const status = statusAfterOutline(bible, outline)
  const living = bible.characters.filter((c) => status.get(c.id) !== "dead")
  const places: ReadonlyArray<Place> = bible.places.length > 0 ? bible.places : [{ id: "somewhere", name: "낯선 곳", description: "" }]
  const span = Math.max(1, request.arcLength.max - request.arcLength.min + 1)
  const length = request.arcLength.min + Math.floor(rng() * span)
  const to = from + length - 1
  const lead = living[0]
  const relationPairs = bible.relations
    .filter((r) => r.until === undefined && living.some((c) => c.id === r.from) && living.some((c) => c.id === r.to))
    .map((r) => [living.find((c) => c.id === r.from)!, living.find((c) => c.id === r.to)!] as const)
  // A word of an event or fact that holds a name is no motif ("한태주가의 흔적").
  const names = bible.characters.flatMap((c) => [c.name, ...c.aliases]).filter((n) => n.length >= 2)
  const recentMotifs = [
    ...bible.events.slice(-6).map((e) => e.description.split(/\s+/).find((w) => w.length >= 2 && w.length <= 6)),
    ...(bible.facts ?? []).slice(-6).map((f) => f.text.split(/\s+/).find((w) => w.length >= 2 && w.length <= 6)),
  ].filter((w): w is string => w !== undefined && !names.some((n) => w.includes(n)))
  const motifs = [...MOTIFS, ...recentMotifs]
  const taken = takenOf(outline, request.writtenTitles)
  const threadIds = new Set(outline.threads.map((t) => t.id))
  const findings: Array<PlannerFinding> = []

  const homePlace = pick(rng, places)
  const objective = pick(rng, OBJECTIVES)
  const arcMotif = pick(rng, motifs)
  const previousTitles = new Set(outline.arcs.map((a) => a.title))
  let title = `${arcIndex + 1}부 ${homePlace.name}${pick(rng, ARC_TITLE_NOUNS)}`
  for (let i = 2; previousTitles.has(title); i++) title = `${title} ${i}`
  const goal = lead === undefined
    ? `${homePlace.name}에서 ${arcMotif}에 얽힌 ${objective[0]}.`
    : `${josa(lead.name, "은")} ${homePlace.name}에서 ${arcMotif}에 얽힌 ${objective[0]}.`

  // Payoffs: open threads due by the end of this arc (or overdue, or never scheduled) that no beat
  // of the outline pays yet.
  const scheduled = (t: Thread) => t.plannedPayoff !== undefined && outline.beats.some((b) => b.episode === t.plannedPayoff && b.threads.includes(t.id))
  const open = outline.threads.filter((t) => t.state === "open" && !scheduled(t) && (t.plannedPayoff === undefined || t.plannedPayoff <= to))
  const payoffSlots = open.slice(0, Math.max(0, Math.floor(length / 3)))
  const payoffAt = new Map<number, Thread>()
  payoffSlots.forEach((thread, i) => payoffAt.set(Math.max(2, length - 3 - i * 2), thread))

  // One thread planted for a later arc.
  const plantedId = (() => {
    let id = `arc${arcIndex + 1}-${fnv1a32(`${project.slug}/${arcIndex}`).toString(36).slice(0, 5)}`
    while (threadIds.has(id)) id = `${id}x`
    return id
  })()
  const secret = pick(rng, SECRETS)
  const planted: Thread = {
    id: plantedId,
    description: `${homePlace.name}에 남은 ${secret}의 정체`,
    plantedIn: from + Math.min(1, length - 1),
    hints: length > 4 ? [from + Math.floor(length / 2)] : [],
    plannedPayoff: to + Math.max(3, Math.floor(length / 2)),
    state: "open",
  }

  // What the Bible's recent changes leave to be dealt with: the captured to rescue, the missing to
  // find, the wounded to recover, the recently dead to mourn (named as remembered, never acting).
  const recentDeaths = (bible.statusHistory ?? [])
    .filter((r) => r.status === "dead" && r.episode >= from - RECENT_EPISODES)
    .flatMap((r) => bible.characters.filter((c) => c.id === r.character && status.get(c.id) === "dead"))
  const aftermath: Array<{ readonly title: string; readonly text: (who: Character, place: Place) => string; readonly also: ReadonlyArray<Character> }> = [
    ...living.filter((c) => status.get(c.id) === "captured").map((c) => ({
      title: "구출",
      text: (who: Character, place: Place) => `${josa(who.name, "은")} ${place.name}에 붙잡힌 ${josa(c.name, "을")} 구해 낼 길을 찾는다.`,
      also: [],
    })),
    ...living.filter((c) => status.get(c.id) === "missing").map((c) => ({
      title: "행방",
      text: (who: Character, place: Place) => `${josa(who.name, "은")} 행방이 묘연한 ${c.name}의 마지막 흔적을 ${place.name}에서 찾는다.`,
      also: [],
    })),
    ...living.filter((c) => status.get(c.id) === "injured").map((c) => ({
      title: "회복",
      text: (who: Character, place: Place) => `${place.name}에서 상처를 추스르던 ${josa(c.name, "은")} ${josa(who.name, "에게")} 다시 일어설 이유를 묻는다.`,
      also: [c],
    })),
    ...recentDeaths.map((c) => ({
      title: "추모",
      text: (who: Character, place: Place) => `${josa(who.name, "은")} ${place.name}에서 ${c.name}의 죽음을 기리며 남은 뜻을 잇겠다고 맹세한다.`,
      also: [],
    })),
  ]
  const aftermathAt = new Map<number, (typeof aftermath)[number]>()
  for (let k = 2, i = 0; i < aftermath.length && k < length - 2; k++) {
    if (!payoffAt.has(k)) aftermathAt.set(k, aftermath[i++]!)
  }

  const castFor = (k: number): { a: Character; b: Character } | undefined => {
    if (living.length === 0) return undefined
    if (relationPairs.length > 0 && rng() < 0.4) {
      const [a, b] = pick(rng, relationPairs)
      return { a, b }
    }
    const a = k % 3 === 0 && lead !== undefined ? lead : pick(rng, living)
    const others = living.filter((c) => c.id !== a.id)
    return { a, b: others.length > 0 ? pick(rng, others) : a }
  }

  const beats: Array<BeatDraft> = []
  for (let k = 0; k < length; k++) {
    const episode = from + k
    const payoff = payoffAt.get(k)
    let draft: BeatDraft | undefined
    for (let attempt = 0; attempt < 40 && draft === undefined; attempt++) {
      const cast = castFor(k + attempt)
      const place = attempt === 0 && (k === 0 || k === length - 2) ? homePlace : pick(rng, places)
      const time = pick(rng, TIMES)
      const motif = pick(rng, motifs)
      const who = cast?.a
      let text: string
      let threads: Array<string> = []
      let titleNoun: string
      // Who the beat moves: by default its subject alone; pair beats name both.
      let named: ReadonlyArray<Character> = who === undefined ? [] : [who]
      if (who === undefined) {
        text = `${time}의 ${place.name}에서 ${motif}에 얽힌 소문이 번진다.`
        titleNoun = "소문"
      } else if (k === 0) {
        text = `${josa(who.name, "은")} ${place.name}에서 ${arcMotif}의 첫 실마리를 붙잡고, ${objective[1]} 다짐한다.`
        titleNoun = "첫 실마리"
      } else if (payoff !== undefined) {
        text = `${josa(who.name, "은")} ${place.name}에서 마침내 '${payoff.description}'의 답과 마주한다.`
        threads = [payoff.id]
        titleNoun = "답"
      } else if (aftermathAt.has(k) && attempt < 20) {
        const due = aftermathAt.get(k)!
        const helper = due.also.some((c) => c.id === who.id) ? (living.find((c) => !due.also.includes(c)) ?? who) : who
        text = due.text(helper, place)
        named = [helper, ...due.also.filter((c) => c.id !== helper.id)]
        titleNoun = due.title
      } else if (k === 1 && length > 1) {
        text = `${josa(who.name, "은")} ${place.name}에서 ${josa(secret, "을")} 처음 보게 되지만, 그 뜻을 아는 이는 아무도 없다.`
        threads = [plantedId]
        titleNoun = "새 떡밥"
      } else if (k === length - 2) {
        text = `${time}의 ${homePlace.name}, ${josa(who.name, "은")} ${cast!.b.id === who.id ? "홀로" : `${josa(cast!.b.name, "과")} 함께`} ${josa(arcMotif, "을")} 건 결전에 나선다.`
        named = [who, cast!.b]
        titleNoun = "결전"
      } else if (k === length - 1) {
        text = `결전이 지나간 ${place.name}, ${josa(who.name, "은")} 잃은 것과 얻은 것을 헤아리며 다음 길을 정한다.`
        // Not "그 후": the offline writer titles a beat without a title "<place>, 그 후" too, and an
        // arc is planned before the template's last episodes are written and titled.
        titleNoun = "남은 것"
      } else {
        const rising = pick(rng, cast!.b.id === who.id ? SOLO : RISING)
        text = rising.text({ a: who, b: cast!.b, place, motif, time })
        titleNoun = rising.title
        named = [who, cast!.b]
      }
      if (attempt >= 20) text = `${text} ${time}의 일이다.`
      const epTitle = `${place.name}, ${titleNoun}`
      const characters = [...new Set(named.map((c) => c.id))]
      const candidate: BeatDraft = { text, title: epTitle, characters, threads }
      const planning = new Set([...threadIds, plantedId])
      const refusal = beatRefusal(candidate, status, planning, taken, bible.characters)
      if (refusal === undefined) draft = candidate
      else if (refusal.includes("title")) {
        // The text is new, only the title clashes: number it within the arc.
        const numbered = { ...candidate, title: `${epTitle} (${arcIndex + 1}-${k + 1})` }
        if (beatRefusal(numbered, status, planning, taken, bible.characters) === undefined) draft = numbered
      }
    }
    if (draft === undefined) {
      // Forty draws collided: make the beat unique by what only this episode has.
      draft = { text: `${episode}화: ${homePlace.name}에서 ${arcMotif}의 다음 국면이 열린다.`, title: `${homePlace.name}, ${episode}화`, characters: [], threads: [] }
      findings.push({ code: "planner.offline.exhausted", message: `episode ${episode}: no distinct beat in 40 draws; a numbered one was used` })
    }
    rememberBeat(taken, draft)
    beats.push(draft)
  }

  const payoffs: Array<Thread> = payoffSlots.map((t) => {
    const k = [...payoffAt.entries()].find(([, th]) => th.id === t.id)![0]
    return { ...t, plannedPayoff: from + k }
  })
  return { title, goal, beats, threads: [...payoffs, planted], by: "planner:offline", findings }
}
