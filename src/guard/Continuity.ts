/**
 * Continuity checks against the Bible and the outline, and repetition in
 * depth. Each is a {@link GuardCheck}; every finding carries its evidence span
 * (a slice of the NFC draft) and a category. All are conservative: they speak
 * only on strong, local evidence, since a clean draft must pass.
 *
 * - `place.unknown` (world-building): a place-like proper noun (`청룡성`,
 *   `백운 마을`) that the narration moves someone to or from (`…으로 향했다`,
 *   `…에 도착했다`) and that no Bible place, faction, item or name, no Bible
 *   text, outline beat, premise or recent episode knows.
 * - `character.alias-swap` (characterization): one character's alias used as
 *   the title of another (`흑월 대주 한태주` when 흑월 대주 is 강무결).
 * - `character.trait-contradiction` (characterization): a fixed trait on the
 *   wrong side (`왼뺨의 흉터` → `오른뺨의 흉터`) or in another colour
 *   (`은빛 머리` → `검은 머리`) in a sentence about that character.
 * - `plot.ahead-of-outline` (timeline-plot): an event of a beat at least two
 *   episodes ahead — a death the outline declares later (`[사망: id]`), or a
 *   passage of a later beat (≥ `aheadRun` non-space characters) that no
 *   earlier, current or next beat, premise, Bible text or recent episode has.
 * - `repetition.retell` (timeline-plot): the draft follows the previous
 *   episode (summary and body) sentence by sentence: a large share of its
 *   sentences are near copies of the previous episode's, in the same order.
 * - `repetition.distinct-n` (style): too few distinct word bigrams (a
 *   formulaic, looping draft).
 *
 * The episode number is the job's (`ctx.episode`); the outline and premise are
 * read from the project when the guard is given the whole `Project` (the
 * pipeline does).
 */
import type { Character } from "../domain/Bible.ts"
import type { GuardFinding } from "../domain/Episode.ts"
import type { Project } from "../domain/Project.ts"
import { beatIndex } from "../pipeline/Brief.ts"
import { parseBeat } from "../templates/BeatMarkers.ts"
import { isNfcInert } from "../text/Hangul.ts"
import { splitSentences, type Span } from "../text/Sentences.ts"
import { bibleText, bodyOnly, evidenceOf, type GuardCheck, type GuardContext, isKorean, squeezedNfc } from "./Checks.ts"
import { isGramSize, NgramIndex, ngramHashes, PairIndex, squeezeChars } from "../text/Shingles.ts"
import { IdMarks, TrigramTable } from "../text/Trigrams.ts"
import { MEMORY_CONTEXT, NOT_NAMES } from "./Lexicon.ts"
import { givenNames, knownFormsOf, maskQuotes } from "./Names.ts"

export interface ContinuityOptions {
  /** A run of this many non-space characters of a later beat in the draft is the outline's future. Default 12. */
  readonly aheadRun: number
  /** Share of the draft's sentences that retell the previous episode in order, that is an error. Default 0.3. */
  readonly retellShare: number
  /** … and at least this many sentences. Default 8. */
  readonly retellMinSentences: number
  /** Two sentences are near copies at this Jaccard similarity of their character trigrams. Default 0.4. */
  readonly retellSimilarity: number
  /** Distinct word bigrams / all bigrams in the worst window below this is an error. Default 0.6. */
  readonly minDistinct2: number
  /** … the window, in bigrams (a shorter draft is not measured). Default 80. */
  readonly distinctMinBigrams: number
}

export const defaultContinuityOptions: ContinuityOptions = {
  aheadRun: 12,
  retellShare: 0.3,
  retellMinSentences: 8,
  retellSimilarity: 0.4,
  minDistinct2: 0.6,
  distinctMinBigrams: 80,
}

type FullProject = GuardContext["project"] & Partial<Pick<Project, "beats" | "premise" | "title">>

const project = (ctx: GuardContext): FullProject => ctx.project as FullProject


const squeeze = (s: string) => squeezeChars(s.normalize("NFC"))

/** One UTF-16 code unit is whitespace as `/\s/` decides it. */
const isSpaceCode = (c: number): boolean =>
  c <= 0x20
    ? c === 0x20 || (c >= 0x09 && c <= 0x0d)
    : c >= 0xa0 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
      c === 0x205f || c === 0x3000 || c === 0xfeff)

/** The draft without whitespace, with each character's offset in the draft. */
const squeezedWithOffsets = (text: string): { s: string; at: Int32Array } => {
  const at = new Int32Array(text.length)
  const s = squeezeChars(text, at)
  return { s, at: at.subarray(0, s.length) }
}


// ---------------------------------------------------------------------------
// caches: the Bible, the outline and the recent episodes are the same for every draft of an episode

/**
 * A small LRU of values computed from a list of parts (objects by identity, strings by value).
 * The Bible, the project and the episodes are immutable values (readonly), so identity stands for content.
 */
const memo = <T>(size: number) => {
  const entries: Array<{ key: ReadonlyArray<unknown>; value: T }> = []
  return (key: ReadonlyArray<unknown>, compute: () => T): T => {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!
      if (e.key.length !== key.length) continue
      let same = true
      for (let k = 0; k < key.length && same; k++) same = e.key[k] === key[k]
      if (!same) continue
      if (i > 0) {
        entries.splice(i, 1)
        entries.unshift(e)
      }
      return e.value
    }
    const value = compute()
    entries.unshift({ key, value })
    if (entries.length > size) entries.pop()
    return value
  }
}

/** The parts a value computed from the recent episodes depends on. */
const recentKey = (ctx: GuardContext): Array<unknown> => {
  const out: Array<unknown> = []
  for (const e of ctx.recent) out.push(e.body, e.summary)
  return out
}

/**
 * A string-keyed cache of about `limit` entries: when the young map is full it becomes the old one
 * (the older one is dropped), and a hit in the old map moves back to the young. Sized for every
 * project's recent episodes at once: the factory interleaves many projects' jobs, and a cache that
 * forgets one project's texts before its next job recomputes them every job.
 */
const stringCache = <T>(limit: number, compute: (s: string) => T) => {
  let young = new Map<string, T>()
  let old = new Map<string, T>()
  return (s: string): T => {
    let v = young.get(s)
    if (v !== undefined) return v
    v = old.get(s) ?? compute(s)
    if (young.size >= limit / 2) {
      old = young
      young = new Map()
    }
    young.set(s, v)
    return v
  }
}


/**
 * `squeeze(parts.join("\n"))`, part by part: a line break is a normalization boundary and whitespace, so the
 * squeezed join is the concatenation of the squeezed parts (each cached: recent episodes recur for many drafts).
 */
const squeezeJoined = (parts: ReadonlyArray<string>): string => {
  let out = ""
  for (const part of parts) out += part.length >= 256 ? squeezedNfc(part) : squeeze(part)
  return out
}

/** `splitSentences(bodyOnly(text))` of the last few drafts (three checks read it). */
const bodySentencesCache = memo<ReadonlyArray<Span>>(4)
const bodySentences = (text: string): ReadonlyArray<Span> => bodySentencesCache([text], () => splitSentences(bodyOnly(text)))

const parsedBeats = new Map<string, ReturnType<typeof parseBeat>>()
const parseBeatCached = (raw: string): ReturnType<typeof parseBeat> => {
  let p = parsedBeats.get(raw)
  if (p === undefined) {
    if (parsedBeats.size > 2000) parsedBeats.clear()
    p = parseBeat(raw)
    parsedBeats.set(raw, p)
  }
  return p
}

const sentenceAt = (sentences: ReadonlyArray<Span>, offset: number): Span | undefined =>
  sentences.find((s) => s.start <= offset && offset < s.end)

// ---------------------------------------------------------------------------
// place.unknown

/** Endings of a one-word place name: 청룡성, 백운산, 흑풍곡, 인천항, 용두봉 … */
const PLACE_SUFFIXES = ["성", "산", "강", "섬", "궁", "곡", "봉", "령", "항", "촌", "역", "나루", "마을", "계곡", "호수", "사원", "신전", "사찰", "요새", "성채", "왕국", "제국", "공국", "평원", "사막", "협곡", "항구", "빌딩", "호텔", "타워", "시장", "경찰서", "공항", "터미널"]
/** Place nouns after a name, as a second word: 백운 마을, 청룡 사원, 해운대 경찰서 … */
const PLACE_NOUNS = ["마을", "성", "산", "숲", "나루", "항구", "사원", "신전", "계곡", "호수", "섬", "왕국", "요새", "거리", "시장", "빌딩", "호텔", "병원", "역", "공원", "경찰서", "학교", "고등학교", "대학교", "아파트", "타워", "성당", "교회", "절"]
/** One-word places that are common nouns. */
const COMMON_PLACES = new Set(
  `지하실 기차역 지하철역 전철역 간이역 종착역 시외버스터미널 버스터미널 고속터미널 경찰서 소방서 대학병원 종합병원 동네병원 동물병원 수산시장 재래시장 전통시장 야시장 벼룩시장 어시장 수산물시장 도매시장
  산골마을 시골마을 어촌마을 국경마을 옆마을 이웃마을 윗마을 아랫마을 고향마을 바닷가마을 뒷산 앞산 화산 빙산 광산 야산 동산 등산 하산 강산 남산 북산
  왕궁 황궁 별궁 고궁 미궁 지하궁 궁궐 왕성 산성 토성 고성 성성 외성 내성 본성 거성 철옹성 만리장성 무인도 외딴섬 
  수도 항구 어항 군항 무역항 출항 입항 귀항 결항 운항 본토 본국 타국 이국 조국 왕국 제국 
  시가지 번화가 주택가 상가 도심 변두리 외곽 교외 근교 시내 읍내 마을 동네 골목 골목길 뒷골목 큰길 대로 사거리 삼거리 갈림길 오솔길 산길 들길 물길 뱃길
  계곡 골짜기 협곡 호숫가 강가 강변 바닷가 해변 해안 백사장 갯벌 포구 나루터 선착장 부두 방파제 등대 창고 공장 사무실 사무소 회사 빌딩 호텔 모텔 여관 객잔 주막 주점 술집 식당 카페 편의점 병원 약국 은행 학교 도서관 서점 공원 광장 놀이터 주차장 옥상 지하 복도 계단 현관 거실 부엌 침실 서재 다락 마당 정원 뒤뜰 앞뜰
  폐허 유적 유적지 전장 전쟁터 싸움터 격전지 진영 막사 성벽 성문 망루 탑 종탑 첨탑 사당 신당 제단 무덤 묘지 공동묘지 납골당 장례식장 예식장 결혼식장 영안실 수술실 응급실 병실 진료실 취조실 유치장 감옥 교도소 법정 법원 검찰청 시청 구청 동사무소 주민센터
  엘리베이터 에스컬레이터 로비 회의실 탕비실 휴게실 화장실 비상구 비상계단 옥탑방 반지하 원룸 오피스텔 아파트 빌라 주택 단독주택 저택 별장 별채 사랑채 안채 행랑채 초가 기와집
  대기실 대합실 매표소 승강장 플랫폼 활주로 터미널 정류장 버스정류장 택시정류장`
    .trim().split(/\s+/),
)
/** Heads that make a common noun of a place word (동네 병원, 작은 마을, 옆 마을 …). */
const GENERIC_HEADS = new Set(
  `동네 시골 산골 어촌 국경 대학 종합 시립 국립 도립 군립 사립 근처 인근 이웃 건너편 맞은편 고향 지하 해안 외곽 변두리 시내 도심 번화가 고급 허름 외딴 작은 낡은 오래된 커다란 거대한 높은 낮은 깊은
  버스 기차 지하철 전철 고속 항구 바닷가 강가 산속 숲속 저편 너머 북쪽 남쪽 동쪽 서쪽 북부 남부 동부 서부 윗 아랫 앞 뒤 옆 다음 이전 예전 원래 다른 같은 어느 어떤 모든 그 이 저 그곳 이곳 저곳
  폐허 옛 옛날 새 빈 텅빈 불탄 무너진 버려진 조용한 한적한 낯선 익숙한 먼 가까운 근방 국경지대 변방 중앙 본 본점 지점 지방 수도 도시 왕도 황도 경계 주변 부근`
    .trim().split(/\s+/),
)
const MOTION_AFTER =
  /^(?:[가-힣]{0,2}\s?){0,3}?(?:향했|향한다|향하|도착했|도착한|도착하|들어섰|들어선|들어갔|들어간|들어왔|돌아왔|돌아온|돌아갔|돌아간|떠났|떠난다|떠나|숨어들|숨어 들|닿았|닿은|다다랐|찾아갔|찾아간|찾아왔|올랐|내려갔|내려왔|건너갔|건너왔|옮겨 갔|옮겼|이르렀|달려갔|달려왔|머물렀|머물고|발을 들였|발을 디뎠|걸어갔|걸어왔|걸어 들어|잠입했|피신했|몸을 숨겼|도망쳤|향해|향하는)/
const LOCATION_PARTICLE = /^(?:에서부터|에서|으로|로|에|까지)/

interface KnownPlaces {
  readonly forms: ReadonlySet<string>
  /** The forms of at least two characters, squeezed. */
  readonly squeezedForms: ReadonlyArray<string>
  readonly text: string
}

const knownPlaceCache = memo<KnownPlaces>(8)

/** Everything that makes a place known: Bible names and texts, the outline, the premise, recent episodes. */
const knownPlaceText = (ctx: GuardContext): KnownPlaces => {
  const p = project(ctx)
  const b = ctx.bible
  return knownPlaceCache(
    [b, b.characters, b.places, b.factions, b.items, p.beats, p.premise, p.title, ...recentKey(ctx)],
    () => computeKnownPlaceText(ctx),
  )
}

/**
 * The squeezed text of what the Bible and the project make known, by that text (the same for every
 * job of a project; a stage thread gets a fresh copy of the Bible with each job, so the key is the
 * content): one entry per project the factory interleaves. The outline's many short beats are
 * costly to squeeze one by one every job.
 */
const projectPlaceText = stringCache(64, squeeze)
/** The squeezed forms of a set of Bible name forms (`knownFormsOf` gives the same set for the same names). */
const squeezedFormsOf = new WeakMap<ReadonlySet<string>, ReadonlyArray<string>>()

const computeKnownPlaceText = (ctx: GuardContext): KnownPlaces => {
  const b = ctx.bible
  const p = project(ctx)
  const forms = knownFormsOf([...(b.places ?? []), ...(b.factions ?? []), ...(b.items ?? []), ...b.characters])
  let squeezedForms = squeezedFormsOf.get(forms)
  if (squeezedForms === undefined) {
    squeezedForms = [...forms].filter((f) => f.length >= 2).map(squeeze)
    squeezedFormsOf.set(forms, squeezedForms)
  }
  // a line break is whitespace and a normalization boundary: squeezing the joined parts is
  // squeezeJoined of the parts, the project's followed by the recent episodes'
  const projectParts = [bibleText(b), ...(b.places ?? []).map((x) => x.name), ...(p.beats ?? []), p.premise ?? "", p.title ?? ""]
  const text = projectPlaceText(projectParts.join("\n")) + squeezeJoined(ctx.recent.flatMap((e) => [e.body, e.summary ?? ""]))
  return { forms, squeezedForms, text }
}

const isKnownPlace = (word: string, known: KnownPlaces): boolean => {
  const sq = squeeze(word)
  if (known.forms.has(word) || known.forms.has(sq) || known.text.includes(sq)) return true
  for (const f of known.squeezedForms) if (sq.includes(f) || f.includes(sq)) return true
  return false
}

const COMMON_PLACE_LIST = [...COMMON_PLACES].filter((c) => c.length >= 2)
/** `word` is a generic head plus a common place (`시골마을`). */
const genericCompound = (word: string): boolean =>
  COMMON_PLACE_LIST.some((c) => word.endsWith(c) && GENERIC_HEADS.has(word.slice(0, word.length - c.length)))
/** {@link PLACE_NOUNS}, longest first, by their first syllable (most words start none of them). */
const PLACE_NOUNS_BY_FIRST: Array<Array<string> | undefined> = []
for (const noun of PLACE_NOUNS.slice().sort((a, b) => b.length - a.length)) (PLACE_NOUNS_BY_FIRST[noun.charCodeAt(0) - 0xac00] ??= []).push(noun)

// The place patterns are one scan of the runs of Hangul syllables rather than regular expressions:
// the engine tries every position and, at each word, every length; here a run is read once.

const isSyllable = (c: number): boolean => c >= 0xac00 && c <= 0xd7a3

/** Whether `(?=에서|으로|로|에|까지)` holds at `i`. */
const locationParticleAt = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i)
  return c === 0xc5d0 /* 에 */ || c === 0xb85c /* 로 */ || (c === 0xc73c /* 으 */ && s.charCodeAt(i + 1) === 0xb85c) ||
    (c === 0xae4c /* 까 */ && s.charCodeAt(i + 1) === 0xc9c0 /* 지 */)
}

/** Where the run of Hangul syllables from `i` ends. */
const syllableRunEnd = (s: string, i: number): number => {
  while (i < s.length && isSyllable(s.charCodeAt(i))) i++
  return i
}

/** The end of the longest head of 3 to 8 syllables of the run `[start, runEnd)` that a location particle follows, or -1. */
const oneWordEnd = (s: string, start: number, runEnd: number): number => {
  for (let end = Math.min(runEnd, start + 8); end >= start + 3; end--) if (locationParticleAt(s, end)) return end
  return -1
}

/**
 * The matches, each in order, of
 * - `one`: `/(?<![가-힣])([가-힣]{3,8})(?=에서|으로|로|에|까지)/g` (청룡성으로): a match starts a run of
 *   syllables and is its longest head of 3 to 8 before a particle, so a run has at most one;
 * - `two`: `/(?<![가-힣])([가-힣]{2,5}) (<place noun>)(?=에서|으로|로|에|까지)/g` (백운 마을로): a whole run
 *   of 2 to 5 syllables, a space, and the first noun of the longest-first list that the particle
 *   follows; the next match starts after the run the noun begins.
 */
export const placeMatches = (s: string) => {
  const one: Array<{ readonly index: number; readonly word: string }> = []
  const two: Array<{ readonly index: number; readonly head: string; readonly noun: string }> = []
  let twoFrom = 0 // where the two-word pattern's search resumes
  // The inner scans are functions of their own: as loops inside this one, V8 compiled an inner loop
  // on the fly (OSR) in nearly every call and threw the code away on leaving it (5,500 deopts in a
  // 1,000-episode run, and a compiler thread busy recompiling).
  for (let i = 0; i < s.length;) {
    if (!isSyllable(s.charCodeAt(i))) {
      i++
      continue
    }
    const start = i
    i = syllableRunEnd(s, i)
    const end = oneWordEnd(s, start, i)
    if (end >= 0) one.push({ index: start, word: s.slice(start, end) })
    if (start < twoFrom || i - start < 2 || i - start > 5 || s.charCodeAt(i) !== 0x20) continue
    const at = i + 1
    const next = s.charCodeAt(at)
    const nouns = isSyllable(next) ? PLACE_NOUNS_BY_FIRST[next - 0xac00] : undefined
    const noun = nouns?.find((n) => s.startsWith(n, at) && locationParticleAt(s, at + n.length))
    if (noun === undefined) continue
    two.push({ index: start, head: s.slice(start, i), noun })
    twoFrom = at + noun.length
  }
  return { one, two }
}

const ADNOMINAL_END = /(?:은|는|던|한|된|운|인|의|를|을|에|로|서|고|며|던|린|진|긴|친|난|간|온|든|낸|쓴)$/

export const unknownPlaceCheck: GuardCheck = (ctx) => {
  if (!isKorean(ctx.project.language)) return []
  const text = ctx.text
  const masked = maskQuotes(bodyOnly(text))
  const known = knownPlaceText(ctx)
  const out: Array<GuardFinding> = []
  const seen = new Set<string>()
  const report = (name: string, start: number, end: number) => {
    if (seen.has(name)) return
    seen.add(name)
    out.push({
      code: "place.unknown",
      category: "world-building",
      severity: "error",
      message: `"${name}" is a place someone goes to or comes from, but no place of the Bible, the outline or recent episodes`,
      evidence: evidenceOf(text, start, end),
    })
  }
  const motionFollows = (after: number): boolean => {
    const p = LOCATION_PARTICLE.exec(masked.slice(after, after + 6))
    if (p === null) return false
    const rest = masked.slice(after + p[0].length, after + p[0].length + 24).replace(/^\s+/, "")
    // 쪽으로 / 방향으로 and so on are fine too: `청룡성 쪽으로 향했다` is handled by the word before 쪽
    return MOTION_AFTER.test(rest)
  }
  // one word: 청룡성으로 향했다
  const places = placeMatches(masked)
  for (const m of places.one) {
    let word = m.word
    // the particle may have been swallowed: 청룡성으 + 로
    for (const p of ["에서부터", "에서", "까지", "으"]) if (word.endsWith(p) && word.length - p.length >= 3) word = word.slice(0, -p.length)
    if (!motionFollows(m.index + word.length)) continue
    const suffix = PLACE_SUFFIXES.find((s) => word.endsWith(s) && word.length - s.length >= 2)
    if (suffix === undefined) continue
    const head = word.slice(0, word.length - suffix.length)
    if (COMMON_PLACES.has(word) || GENERIC_HEADS.has(head) || NOT_NAMES.has(head) || genericCompound(word)) continue
    if (isKnownPlace(word, known) || isKnownPlace(head, known)) continue
    report(word, m.index, m.index + word.length)
  }
  // two words: 백운 마을로 향했다
  for (const { index, head, noun } of places.two) {
    if (!motionFollows(index + head.length + 1 + noun.length)) continue
    if (GENERIC_HEADS.has(head) || NOT_NAMES.has(head) || ADNOMINAL_END.test(head) || COMMON_PLACES.has(head)) continue
    // the sentence's own subject or an object before the place (`윤하는 마을로`) is no place name
    if (/(?:이|가|은|는|을|를|와|과|도|만|께서|에게)$/.test(head)) continue
    const name = `${head} ${noun}`
    if (isKnownPlace(name, known) || isKnownPlace(head, known)) continue
    report(name, index, index + name.length)
  }
  return out
}

// ---------------------------------------------------------------------------
// character.alias-swap

/** Kinship and address words used as aliases (오라버니, 형님): said of anyone, so never a swap. */
const KINSHIP = /^(?:오라버니|오라비|오빠|형|형님|누나|누님|언니|동생|아우|아버지|어머니|아버님|어머님|할아버지|할머니|삼촌|이모|고모|사부|스승|선배|후배|도련님|아가씨|주인님|나리|마님|어르신)$/

const formsOfCharacter = (c: Character): ReadonlyArray<string> =>
  [...new Set([c.name, ...givenNames(c.name), ...c.aliases].map((s) => s.normalize("NFC").trim()).filter((s) => s.length >= 2))]

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

export const aliasSwapCheck: GuardCheck = (ctx) => {
  if (!isKorean(ctx.project.language)) return []
  const text = ctx.text
  const characters = ctx.bible.characters as ReadonlyArray<Character>
  // who owns each form; a form two characters share names nobody in particular
  const owners = new Map<string, Set<string>>()
  for (const c of characters) for (const f of formsOfCharacter(c)) owners.set(f, (owners.get(f) ?? new Set()).add(c.id))
  const own = (f: string) => {
    const o = owners.get(f)
    return o !== undefined && o.size === 1 ? [...o][0]! : undefined
  }
  const out: Array<GuardFinding> = []
  const byId = new Map(characters.map((c) => [c.id, c]))
  const names = [...owners.keys()].filter((f) => own(f) !== undefined)
  if (names.length === 0) return []
  const nameAlt = names.sort((a, b) => b.length - a.length).map(escapeRe).join("|")
  for (const c of characters) {
    for (const alias of c.aliases.map((a) => a.normalize("NFC").trim())) {
      if (alias.length < 2 || own(alias) !== c.id || KINSHIP.test(alias) || NOT_NAMES.has(alias)) continue
      // `alias name` or `alias인 name`, the name another character's
      const re = new RegExp(`(?<![가-힣])${escapeRe(alias)}(?: |인 )(${nameAlt})(?=[^가-힣]|이|가|은|는|을|를|의|에게|와|과|도|만|께서|$)`, "g")
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const other = own(m[1]!)
        if (other === undefined || other === c.id) continue
        // the name may itself carry the alias's words (`서가의 막내 서윤하` when both are 서윤하's): covered by own()
        const o = byId.get(other)!
        out.push({
          code: "character.alias-swap",
          category: "characterization",
          severity: "error",
          message: `"${alias}" is ${c.name}'s alias in the Bible, but here it is attached to ${o.name}`,
          evidence: evidenceOf(text, m.index, m.index + m[0].length),
        })
      }
    }
  }
  return out.sort((a, b) => a.evidence!.start - b.evidence!.start)
}

// ---------------------------------------------------------------------------
// character.trait-contradiction

const BODY = "뺨|볼|눈|눈썹|팔|팔뚝|손|손목|손등|다리|발|발목|어깨|귀|이마|턱|옆구리|허벅지|가슴|목덜미"
const SIDE_TRAIT = new RegExp(`(왼|오른)(?:쪽)?\\s?(${BODY})`)
const COLOURS = ["검은", "까만", "흑색", "붉은", "빨간", "적색", "푸른", "파란", "청색", "금빛", "금색", "황금빛", "은빛", "은색", "하얀", "흰", "백색", "갈색", "잿빛", "회색", "초록", "녹색", "보랏빛", "자색"]
const COLOUR_GROUP: Record<string, string> = {
  검은: "black", 까만: "black", 흑색: "black", 붉은: "red", 빨간: "red", 적색: "red", 푸른: "blue", 파란: "blue", 청색: "blue",
  금빛: "gold", 금색: "gold", 황금빛: "gold", 은빛: "silver", 은색: "silver", 하얀: "white", 흰: "white", 백색: "white",
  갈색: "brown", 잿빛: "grey", 회색: "grey", 초록: "green", 녹색: "green", 보랏빛: "purple", 자색: "purple",
}
const COLOUR_NOUNS = "머리카락|머리칼|머리|눈동자|눈|수염"
const COLOUR_TRAIT = new RegExp(`(${COLOURS.join("|")})\\s?(${COLOUR_NOUNS})`)

interface TraitRule {
  readonly character: Character
  readonly trait: string
  /** Finds a contradiction in a sentence, as [start, end) within it. */
  readonly contradicts: (sentence: string) => { start: number; end: number } | undefined
}

const traitRules = (characters: ReadonlyArray<Character>): Array<TraitRule> => {
  const rules: Array<TraitRule> = []
  for (const c of characters) {
    for (const trait of c.traits) {
      const t = trait.normalize("NFC")
      const side = SIDE_TRAIT.exec(t)
      if (side !== null) {
        const opposite = side[1] === "왼" ? "오른" : "왼"
        const part = side[2]!
        const mark = /(흉터|상처|점|문신|화상|흔적|자국|의수|의족|붕대)/.exec(t.slice(side.index + side[0].length))?.[1]
        const re = new RegExp(`${opposite}(?:쪽)?\\s?${part}${part === "눈" ? "(?!썹)" : ""}`)
        rules.push({
          character: c,
          trait: t,
          contradicts: (s) => {
            const m = re.exec(s)
            if (m === null) return undefined
            if (mark !== undefined && !s.slice(m.index).includes(mark)) return undefined
            return { start: m.index, end: m.index + m[0].length }
          },
        })
      }
      const colour = COLOUR_TRAIT.exec(t)
      if (colour !== null) {
        const group = COLOUR_GROUP[colour[1]!]
        const noun = colour[2]!.startsWith("머리") ? "머리카락|머리칼|머리" : colour[2]!.startsWith("눈") ? "눈동자|눈" : colour[2]!
        const re = new RegExp(`(${COLOURS.join("|")})\\s?(?:${noun})`, "g")
        rules.push({
          character: c,
          trait: t,
          contradicts: (s) => {
            re.lastIndex = 0
            for (let m = re.exec(s); m !== null; m = re.exec(s)) {
              if (COLOUR_GROUP[m[1]!] !== group) return { start: m.index, end: m.index + m[0].length }
            }
            return undefined
          },
        })
      }
    }
  }
  return rules
}

export const traitContradictionCheck: GuardCheck = (ctx) => {
  if (!isKorean(ctx.project.language)) return []
  const text = ctx.text
  const characters = ctx.bible.characters as ReadonlyArray<Character>
  const rules = traitRules(characters)
  if (rules.length === 0) return []
  const formsOf = new Map(characters.map((c) => [c.id, formsOfCharacter(c)]))
  const out: Array<GuardFinding> = []
  const sentences = bodySentences(text)
  for (const s of sentences) {
    const seg = text.slice(s.start, s.end)
    for (const r of rules) {
      const forms = formsOf.get(r.character.id)!
      if (!forms.some((f) => seg.includes(f))) continue
      const hit = r.contradicts(seg)
      if (hit === undefined) continue
      // the feature must be the character's: another character's possessive right before it hands it to them
      const before = seg.slice(Math.max(0, hit.start - 12), hit.start)
      const owner = characters.find((c) => c.id !== r.character.id && formsOf.get(c.id)!.some((f) => before.includes(`${f}의`)))
      if (owner !== undefined) continue
      out.push({
        code: "character.trait-contradiction",
        category: "characterization",
        severity: "error",
        message: `${r.character.name}'s fixed trait is "${r.trait}", but here: "${seg.slice(hit.start, hit.end)}"`,
        evidence: evidenceOf(text, s.start + hit.start, s.start + hit.end),
      })
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// plot.ahead-of-outline

const DEATH_OF = /(?:죽었|죽고 말았|죽어 있었|숨을 거두었|숨을 거뒀|숨을 거둔|숨졌|목숨을 잃었|숨이 끊어졌|숨이 멎었|전사했|살해당했|시신으로 발견|싸늘한 시신|주검으로)/
const NOT_YET = /(?:죽을지도|죽을 것|죽게 될|죽지 않|죽을까|죽으면|죽는다면|죽었다면|죽었으면|죽을 뻔|꿈|환영|예감|악몽|만약|상상)/

/** The Bible's name forms of two characters or more: characters, then places, factions, items. */
const bibleNameForms = (ctx: GuardContext): ReadonlyArray<string> => {
  const b = ctx.bible
  return [...knownFormsOf([...b.characters, ...(b.places ?? []), ...(b.factions ?? []), ...(b.items ?? [])])].filter((f) => f.length >= 2)
}

interface NameMask {
  /** The forms, joined: what the masker depends on. */
  readonly key: string
  readonly forms: ReadonlyArray<string>
  readonly mask: (s: string) => string
}

/** Replaces every Bible name form by `□` and spaces (offsets kept); one regular expression per set of forms. */
const nameMaskCache = stringCache(256, (key: string): NameMask => {
  const forms = key === "" ? [] : key.split("\u0000")
  const sorted = [...forms].sort((x, y) => y.length - x.length)
  if (sorted.length === 0) return { key, forms, mask: (s) => s }
  const re = new RegExp(sorted.map(escapeRe).join("|"), "g")
  return { key, forms, mask: (s) => s.replace(re, (m) => "□" + " ".repeat(m.length - 1)) }
})
const nameMask = (ctx: GuardContext): NameMask => nameMaskCache(bibleNameForms(ctx).join("\u0000"))

/**
 * `squeeze(mask(parts.join("\n")))` part by part when no name form holds a line break (a match then never
 * crosses one), with the masked, squeezed parts cached per set of name forms.
 */
/** Per set of names: the short parts (beats: all of a project's) and the long ones (a few recent episodes). */
const maskedParts = new Map<string, { readonly short: (part: string) => string; readonly long: (part: string) => string }>()

/** `squeeze(names.mask(part))`, remembered per set of names (the beats and the Bible's texts recur every job). */
const maskedSqueezed = (names: NameMask, part: string): string => {
  let cached = maskedParts.get(names.key)
  if (cached === undefined) {
    if (maskedParts.size >= 64) maskedParts.clear()
    const compute = (p: string) => squeeze(names.mask(p))
    maskedParts.set(names.key, cached = { short: stringCache(128, compute), long: stringCache(32, compute) })
  }
  return part.length < 256 ? cached.short(part) : cached.long(part)
}

const squeezeMaskedJoined = (names: NameMask, parts: ReadonlyArray<string>): string => {
  if (names.forms.some((f) => f.includes("\n"))) return squeeze(names.mask(parts.join("\n")))
  let out = ""
  for (const part of parts) out += maskedSqueezed(names, part)
  return out
}

/**
 * For each beat, the first position of the draft where an n-gram of that beat occurs that `counts`
 * (or -1): one pass over the draft against an index of all the beats' n-grams, where a search of
 * the draft for each n-gram of each beat would do the same work once per beat and n-gram.
 */
export const firstRuns = (draft: string, beats: ReadonlyArray<string>, n: number, counts: (gram: string) => boolean): Int32Array => {
  const firstAt = new Int32Array(beats.length).fill(-1)
  if (!isGramSize(n) || draft.length < n) return firstAt
  let pending = beats.length
  const index = NgramIndex.of(beats, n)
  const hashes = ngramHashes(draft, n)
  const verdicts = new Map<string, boolean>()
  for (let i = 0; i < hashes.length && pending > 0; i++) {
    if (index.find(draft, i, hashes[i]!) < 0) continue
    const g = draft.slice(i, i + n)
    let yes = verdicts.get(g)
    if (yes === undefined) verdicts.set(g, yes = counts(g))
    if (!yes) continue
    for (let k = 0; k < beats.length; k++) {
      if (firstAt[k]! < 0 && beats[k]!.includes(g)) {
        firstAt[k] = i
        pending--
      }
    }
  }
  return firstAt
}

export const aheadOfOutlineCheck: GuardCheck = (ctx) => {
  const p = project(ctx)
  const beats = p.beats ?? []
  if (beats.length < 3) return []
  // the job's number: a guess from the recent episodes (newest + 1) is wrong after a dead-lettered episode
  const episode = ctx.episode
  if (episode > beats.length) return [] // past the outline: every beat has been reached
  const current = beatIndex(beats.length, episode)
  const later: Array<{ i: number; parsed: ReturnType<typeof parseBeat> }> = []
  for (let i = current + 2; i < beats.length; i++) later.push({ i, parsed: parseBeatCached(beats[i]!) })
  if (later.length === 0) return []
  const text = ctx.text
  const out: Array<GuardFinding> = []
  const sentences = bodySentences(text)
  const characters = ctx.bible.characters as ReadonlyArray<Character>

  // (a) a death the outline declares for a later episode
  const flagged = new Set<number>()
  for (const b of later) {
    for (const m of b.parsed.markers) {
      if (m._tag !== "Status" || m.status !== "dead") continue
      const c = characters.find((x) => x.id === m.character)
      if (c === undefined || c.status === "dead") continue
      const forms = formsOfCharacter(c)
      for (const s of sentences) {
        const seg = text.slice(s.start, s.end)
        if (flagged.has(s.start) || !forms.some((f) => seg.includes(f))) continue
        const d = DEATH_OF.exec(seg)
        if (d === null || NOT_YET.test(seg) || MEMORY_CONTEXT.test(seg)) continue
        // the character must be who dies: named before the death word, in the same clause
        const namedBefore = forms.some((f) => {
          const at = seg.indexOf(f)
          return at >= 0 && at < d.index
        })
        if (!namedBefore) continue
        flagged.add(s.start)
        out.push({
          code: "plot.ahead-of-outline",
          category: "timeline-plot",
          severity: "error",
          message: `${c.name} dies here, but the outline has that death in episode ${b.i + 1} (this is episode ${episode})`,
          evidence: evidenceOf(text, s.start, s.end),
        })
      }
    }
  }

  // (b) a passage of a later beat
  const n = defaultContinuityOptions.aheadRun
  // names are masked (one placeholder each) in the beats and the draft: a run must be more than names and particles
  const names = nameMask(ctx)
  const draft = squeezedWithOffsets(names.mask(bodyOnly(text)))
  const draftText = draft.s
  const beatTexts = later.map((b) => maskedSqueezed(names, b.parsed.text))
  // Where each beat's n-grams first occur in the draft, from one pass over the draft against all of
  // them; an n-gram the allowed text has (a recap, the Bible …) does not count.
  let allowedText: string | undefined
  const allowed = (g: string): boolean =>
    (allowedText ??= squeezeMaskedJoined(names, [
      ...beats.filter((_, i) => i <= current + 1).map((raw) => parseBeatCached(raw).text),
      p.premise ?? "",
      bibleText(ctx.bible),
      ...ctx.recent.flatMap((e) => [e.body, e.summary ?? ""]),
    ])).includes(g)
  const firstAt = firstRuns(draftText, beatTexts, n, (g) => !allowed(g))
  for (let k = 0; k < later.length; k++) {
    const i = firstAt[k]!
    if (i < 0) continue
    const b = later[k]!
    const beat = beatTexts[k]!
    // extend the run as far as it goes
    let j = i + n
    while (j < draftText.length && beat.includes(draftText.slice(i, j + 1))) j++
    const start = draft.at[i]!
    const end = draft.at[j - 1]! + 1
    const s = sentenceAt(sentences, start)
    if (s !== undefined && flagged.has(s.start)) continue
    if (s !== undefined) flagged.add(s.start)
    out.push({
      code: "plot.ahead-of-outline",
      category: "timeline-plot",
      severity: "error",
      message: `this tells "${b.parsed.text}" — the outline's beat for episode ${b.i + 1}, but this is episode ${episode}`,
      evidence: evidenceOf(text, start, end),
    })
  }
  return out.sort((a, b) => a.evidence!.start - b.evidence!.start)
}

// ---------------------------------------------------------------------------
// repetition.retell

/** `[“”‘’"'.,!?…·:;()\-—]`, left out of trigrams. */
const isTrigramPunct = (c: number): boolean =>
  c < 0x80
    ? c === 0x22 || c === 0x27 || c === 0x2e || c === 0x2c || c === 0x21 || c === 0x3f || c === 0x3a || c === 0x3b || c === 0x28 ||
      c === 0x29 || c === 0x2d
    : c === 0x201c || c === 0x201d || c === 0x2018 || c === 0x2019 || c === 0x2026 || c === 0xb7 || c === 0x2014

/** Scratch buffer of code units. */
let units = new Uint16Array(1024)

/** The trigrams of one retell comparison (the previous episode's and the draft's). */
const table = new TrigramTable()
const sentenceMarks = new IdMarks()

/** Trigram ids of the sentences of one comparison, one after another (no array per sentence). */
let pool = new Int32Array(16_384)
let poolLength = 0
/** The last sentence's length without whitespace alone. */
let lastSqueezed = 0

/**
 * Appends the distinct character trigrams of one sentence in NFC (whitespace and punctuation left
 * out), as ids in order of first occurrence, to `pool` at `poolLength`; returns how many.
 */
const appendGrams = (sentence: string): number => {
  let t = sentence
  let normalized = false
  if (units.length < t.length) units = new Uint16Array(t.length * 2)
  let n = 0
  let squeezed = 0
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i)
    // a Hangul syllable is neither whitespace nor punctuation: one test for most of the text
    if (c >= 0xac00 && c <= 0xd7a3) {
      squeezed++
      units[n++] = c
      continue
    }
    if (!normalized && !isNfcInert(c)) {
      // NFC may change the sentence: start again on its NFC
      normalized = true
      t = sentence.normalize("NFC")
      if (units.length < t.length) units = new Uint16Array(t.length * 2)
      n = 0
      squeezed = 0
      i = -1
      continue
    }
    if (isSpaceCode(c)) continue
    squeezed++
    if (!isTrigramPunct(c)) units[n++] = c
  }
  sentenceMarks.next(table.size + t.length)
  lastSqueezed = squeezed
  if (pool.length < poolLength + n) {
    const grown = new Int32Array(Math.max(pool.length * 2, poolLength + n))
    grown.set(pool.subarray(0, poolLength))
    pool = grown
  }
  let distinct = 0
  for (let i = 0; i + 3 <= n; i++) {
    const id = table.idOf(units[i]!, units[i + 1]!, units[i + 2]!)
    if (sentenceMarks.mark(id)) pool[poolLength + distinct++] = id
  }
  poolLength += distinct
  return distinct
}

/** Length of the longest strictly increasing subsequence, and its members (indices into `xs`). */
const longestIncreasing = (xs: ReadonlyArray<number>): Array<number> => {
  const tails: Array<number> = []
  const tailIdx: Array<number> = []
  const prev: Array<number> = new Array(xs.length).fill(-1)
  xs.forEach((x, i) => {
    if (x < 0) return
    let lo = 0
    let hi = tails.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (tails[mid]! < x) lo = mid + 1
      else hi = mid
    }
    tails[lo] = x
    tailIdx[lo] = i
    prev[i] = lo > 0 ? tailIdx[lo - 1]! : -1
  })
  const out: Array<number> = []
  for (let i = tailIdx[tails.length - 1] ?? -1; i >= 0; i = prev[i]!) out.push(i)
  return out.reverse()
}

/** The draft's sentences that follow the previous episode in order (near copies, increasing positions). */
export const retoldSentences = (ctx: GuardContext, similarity = defaultContinuityOptions.retellSimilarity) => {
  const last = [...ctx.recent].sort((a, b) => a.number - b.number).at(-1)
  if (last === undefined) return { eligible: 0, retold: [] as Array<Span> }
  const ref = [last.summary ?? "", bodyOnly(last.body.normalize("NFC"))].join("\n")
  const refSentences = splitSentences(ref)
  const draftSentences = bodySentences(ctx.text)
  // room for every trigram of both texts (fewer than their code units)
  table.clear(ref.length + ctx.text.length)

  // the previous episode's sentences with ≥ 6 trigrams, and for each trigram the sentences that have it
  poolLength = 0
  const keptFrom: Array<number> = []
  const keptSize: Array<number> = []
  for (const s of refSentences) {
    const from = poolLength
    const size = appendGrams(s.text)
    if (size < 6) {
      poolLength = from
      continue
    }
    keptFrom.push(from)
    keptSize.push(size)
  }
  const pairs = poolLength
  const kept = keptFrom.length
  const sizes = Int32Array.from(keptSize)
  const counts = new Int32Array(table.size + 1)
  for (let p = 0; p < pairs; p++) counts[pool[p]! + 1]!++
  const starts = counts // prefix sums: the sentences that have id `t` are post[starts[t] .. starts[t + 1])
  for (let t = 1; t < starts.length; t++) starts[t]! += starts[t - 1]!
  const fill = starts.slice(0, starts.length - 1)
  const post = new Int32Array(pairs)
  for (let j = 0; j < kept; j++) {
    for (let p = keptFrom[j]!, end = p + keptSize[j]!; p < end; p++) post[fill[pool[p]!]!++] = j
  }
  const known = starts.length - 1 // ids from here on are the draft's own

  const eligible: Array<Span> = []
  const match: Array<number> = []
  const shared = new Int32Array(kept)
  const touched = new Int32Array(kept)
  for (const s of draftSentences) {
    poolLength = pairs // each draft sentence in turn after the reference's
    const size = appendGrams(s.text)
    if (lastSqueezed < 10) continue
    eligible.push(s)
    let nTouched = 0
    for (let p = pairs; p < pairs + size; p++) {
      const t = pool[p]!
      if (t >= known) continue
      for (let q = starts[t]!, end = starts[t + 1]!; q < end; q++) {
        const j = post[q]!
        if (shared[j]++ === 0) touched[nTouched++] = j
      }
    }
    // the most similar at or above the threshold, the later one of equals (as a scan in order keeps it)
    let best = -1
    let bestSim = similarity
    for (let k = 0; k < nTouched; k++) {
      const j = touched[k]!
      const inter = shared[j]!
      shared[j] = 0
      const sim = inter / (size + sizes[j]! - inter)
      if (sim > bestSim || (sim === bestSim && j > best)) {
        bestSim = sim
        best = j
      }
    }
    match.push(best)
  }
  const chain = longestIncreasing(match)
  return { eligible: eligible.length, retold: chain.map((i) => eligible[i]!) }
}

export const retellCheck: GuardCheck = (ctx) => {
  if (ctx.recent.length === 0) return []
  const o = defaultContinuityOptions
  const { eligible, retold } = retoldSentences(ctx)
  if (eligible === 0 || retold.length < o.retellMinSentences) return []
  const share = retold.length / eligible
  if (share < o.retellShare) return []
  const first = retold[0]!
  const lastS = retold[retold.length - 1]!
  return [{
    code: "repetition.retell",
    category: "timeline-plot",
    severity: "error",
    message: `${retold.length} of ${eligible} sentences (${(share * 100).toFixed(0)}%) retell the previous episode in the same order: the story does not move on`,
    evidence: evidenceOf(ctx.text, first.start, Math.max(first.end, Math.min(lastS.end, first.start + 400))),
  }]
}

// ---------------------------------------------------------------------------
// repetition.distinct-n

interface Token {
  readonly start: number
  readonly end: number
  readonly text: string
}

/** `[\s“”‘’"'.,!?…·:;()[\]「」『』—–\-~]`: what separates the words distinct-n counts. */
const isWordBreak = (c: number): boolean =>
  c < 0x80
    ? c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x22 || c === 0x27 || c === 0x2e || c === 0x2c || c === 0x21 || c === 0x3f ||
      c === 0x3a || c === 0x3b || c === 0x28 || c === 0x29 || c === 0x5b || c === 0x5d || c === 0x2d || c === 0x7e
    : isSpaceCode(c) || c === 0x201c || c === 0x201d || c === 0x2018 || c === 0x2019 || c === 0x2026 || c === 0xb7 || c === 0x300c ||
      c === 0x300d || c === 0x300e || c === 0x300f || c === 0x2014 || c === 0x2013

/**
 * The words of `text` (maximal runs of code units that are no word break), as offsets, each with a
 * number shared by equal words: a table keyed by the words' code units finds them in place,
 * without a string per word.
 */
const wordsIn = (text: string): { starts: Int32Array; ends: Int32Array; ids: Int32Array; count: number; distinct: number } => {
  const starts: Array<number> = []
  const ends: Array<number> = []
  for (let i = 0; i < text.length;) {
    if (isWordBreak(text.charCodeAt(i))) {
      i++
      continue
    }
    const start = i
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i)
      // a Hangul syllable (most of a word) breaks no word: one test before the long one
      if ((c < 0xac00 || c > 0xd7a3) && isWordBreak(c)) break
    }
    starts.push(start)
    ends.push(i)
  }
  const count = starts.length
  let size = 16
  while (size < count * 2) size *= 2
  const mask = size - 1
  const slotWord = new Int32Array(size).fill(-1) // the index of the word that first had this slot's id
  const ids = new Int32Array(count)
  let distinct = 0
  const slotId = new Int32Array(size)
  for (let w = 0; w < count; w++) {
    const s = starts[w]!
    const e = ends[w]!
    let h = 0
    for (let i = s; i < e; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0
    for (let at = (h ^ (h >>> 15)) & mask;; at = (at + 1) & mask) {
      const other = slotWord[at]!
      if (other < 0) {
        slotWord[at] = w
        slotId[at] = distinct
        ids[w] = distinct++
        break
      }
      const os = starts[other]!
      if (ends[other]! - os === e - s) {
        let same = true
        for (let k = 0; k < e - s && same; k++) same = text.charCodeAt(os + k) === text.charCodeAt(s + k)
        if (same) {
          ids[w] = slotId[at]!
          break
        }
      }
    }
  }
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends), ids, count, distinct }
}

/**
 * Distinct word bigrams / all word bigrams (headings left out), over the
 * window of `window` bigrams where it is lowest (a long draft repeats more
 * by nature; a loop is local). `top` is that window's most repeated bigram.
 */
export const distinct2 = (text: string, window = defaultContinuityOptions.distinctMinBigrams): {
  ratio: number
  total: number
  top: { gram: string; count: number; at: Token } | null
} => {
  const body = bodyOnly(text)
  const words = wordsIn(body)
  const total = Math.max(0, words.count - 1)
  if (total === 0) return { ratio: 1, total, top: null }
  // each bigram as a dense id, by its pair of word numbers
  const pairs = new PairIndex(total)
  const gram = new Int32Array(total)
  let bigrams = 0
  for (let i = 0; i < total; i++) {
    const found = pairs.firstOrAdd(words.ids[i]!, words.ids[i + 1]!, bigrams)
    gram[i] = found >= 0 ? found : bigrams++
  }
  const size = Math.min(window, total)
  let best = { ratio: 2, from: 0 }
  const stride = Math.max(1, Math.floor(size / 3))
  const seenIn = new Int32Array(bigrams).fill(-1)
  for (let from = 0; ; from = Math.min(from + stride, total - size)) {
    let distinct = 0
    for (let i = from; i < from + size; i++) {
      const g = gram[i]!
      if (seenIn[g] !== from) {
        seenIn[g] = from
        distinct++
      }
    }
    const ratio = distinct / size
    if (ratio < best.ratio) best = { ratio, from }
    if (from + size >= total) break
  }
  const { starts, ends } = words
  const wordAt = (i: number) => body.slice(starts[i]!, ends[i]!)
  const counts = new Map<string, { count: number; at: Token }>()
  for (let i = best.from; i < best.from + size; i++) {
    const g = `${wordAt(i)} ${wordAt(i + 1)}`
    const c = counts.get(g)
    const at = { start: starts[i]!, end: ends[i + 1]!, text: g }
    if (c === undefined) counts.set(g, { count: 1, at })
    else {
      c.count++
      c.at = at
    }
  }
  let top: { gram: string; count: number; at: Token } | null = null
  for (const [gram, c] of counts) if (top === null || c.count > top.count) top = { gram, count: c.count, at: c.at }
  return { ratio: best.ratio, total, top }
}

export const distinctNCheck: GuardCheck = (ctx) => {
  const o = defaultContinuityOptions
  const d = distinct2(ctx.text, o.distinctMinBigrams)
  if (d.total < o.distinctMinBigrams || d.ratio >= o.minDistinct2 || d.top === null || d.top.count < 3) return []
  return [{
    code: "repetition.distinct-n",
    category: "style",
    severity: "error",
    message: `only ${(d.ratio * 100).toFixed(1)}% of ${o.distinctMinBigrams} consecutive word bigrams are distinct (least ${(o.minDistinct2 * 100).toFixed(0)}%); "${d.top.gram}" occurs ${d.top.count} times there`,
    evidence: evidenceOf(ctx.text, d.top.at.start, d.top.at.end),
  }]
}

/** The continuity checks, in the order their findings are listed (after the built-in ones). */
export const continuityChecks: ReadonlyArray<readonly [name: string, check: GuardCheck]> = [
  ["unknown-places", unknownPlaceCheck],
  ["alias-swaps", aliasSwapCheck],
  ["trait-contradictions", traitContradictionCheck],
  ["ahead-of-outline", aheadOfOutlineCheck],
  ["retell", retellCheck],
  ["distinct-n", distinctNCheck],
]
