/**
 * `name.unknown` and `place.unknown`: a person the draft names who is not in the Bible (read from
 * narration, see `../Names.ts`), and a place-like proper noun (`청룡성`, `백운 마을`) that the narration
 * moves someone to or from (`…으로 향했다`, `…에 도착했다`) that no Bible place, faction, item or name,
 * no Bible text, outline beat, premise or recent episode knows. Conservative: a clean draft must pass.
 *
 * An unknown person is reported when the evidence scores at least 2: subject of a speech verb 2,
 * before 씨/님 or a title 2, subject of a gesture 1, vocative inside dialogue (`민규야,`) 1, and 1 more
 * when the same word appears again with a particle that only nouns take (이/가/의/를/에게/와 …).
 */
import type { Bible } from "../../domain/Bible.ts"
import type { GuardFinding } from "../../domain/Episode.ts"
import { evidenceOf, type GuardBible, type GuardCheck, type GuardContext, isKorean, project } from "../Context.ts"
import { LEXICAL_HONORIFICS, NOT_NAMES, TITLES } from "../Lexicon.ts"
import { isKnown, isNotNameIn, knownFormsOf, maskQuotes, type NameCheckInput, narrationOf, quotedSpans, sentenceWords, subjectBefore } from "../Names.ts"
import { bibleText, bodyOf, bodyOnly, namedOthers, recentKey, squeezeNfc, squeezeJoined } from "../Readings.ts"
import { rememberedIn, rememberedPartsIn } from "../../util/Memo.ts"
import { batchimIndex, hasBatchim } from "../../text/Hangul.ts"
import { stripHypocoristic } from "../../text/Particles.ts"
import { isWhitespaceCode } from "../../text/Shingles.ts"

/** `name.unknown`: see `Names.ts`. Korean only. */
export const unknownNameCheck: GuardCheck = (ctx) =>
  isKorean(ctx.project.language)
    ? unknownNameFindings({ text: ctx.text, characters: ctx.bible.characters, others: namedOthers(ctx.bible), memory: ctx.memory })
    : []

interface Candidate {
  score: number
  first: { start: number; end: number }
  reasons: Set<string>
}

/** What may follow a name before 씨/님 or a title. */
const AFTER_NAME = "(?=$|[^가-힣]|이|가|은|는|을|를|의|에게|께서|도|과|와|한테|께|이랑|랑|라|이라|요|이요|만)"
/** A name before 씨/님: the 씨/님 stands 2–7 characters after the match's start. */
const HONORIFIC_RE = new RegExp(`(?<![가-힣])([가-힣]{2,6})\\s?(씨|님)${AFTER_NAME}`, "y")
/** A name before a title: the space stands 2–6 characters after the match's start, a title's first syllable after it. */
const TITLE_RE = new RegExp(`(?<![가-힣])([가-힣]{2,6})\\s(${TITLES.join("|")})${AFTER_NAME}`, "y")
const TITLE_FIRST: ReadonlySet<number> = new Set(TITLES.map((t) => t.charCodeAt(0)))

/**
 * The matches a global scan of `text` with `sticky` (the same pattern with the `y` flag) finds, in
 * order, trying only the starts a match can have: every match starting at `p` holds an anchor `q`
 * (ascending in `anchors`) with `p + lo ≤ q ≤ p + hi`. The pattern never matches the empty string.
 */
const anchoredMatches = (sticky: RegExp, text: string, anchors: ReadonlyArray<number>, lo: number, hi: number): Array<RegExpExecArray> => {
  const out: Array<RegExpExecArray> = []
  let next = 0 // every start below this one is settled
  for (const q of anchors) {
    if (q - lo < next) continue
    for (let p = Math.max(next, q - hi); p <= q - lo;) {
      sticky.lastIndex = p
      const m = sticky.exec(text)
      if (m === null) {
        next = ++p
        continue
      }
      out.push(m)
      next = p = p + Math.max(1, m[0].length)
    }
  }
  return out
}

const honorificAnchors = (text: string): Array<number> => {
  const out: Array<number> = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0xc528 || c === 0xb2d8) out.push(i) // 씨 님
  }
  return out
}

const titleAnchors = (text: string): Array<number> => {
  const out: Array<number> = []
  for (let i = 0; i + 1 < text.length; i++) if (isWhitespaceCode(text.charCodeAt(i)) && TITLE_FIRST.has(text.charCodeAt(i + 1))) out.push(i)
  return out
}
const VOCATIVE = /^\s*([가-힣]{2,5})(아|야)(?=[,!?…~.\s])/

const NOUN_ONLY_PARTICLES = /^(?:이가|이의|이를|이에게|이한테|이랑|이와|가|의|를|에게|한테|께서|와|과|씨|님)(?![가-힣])/

/** `name.unknown` findings: one per unknown name, its evidence the first name-like occurrence. */
export const unknownNameFindings = (input: NameCheckInput): Array<GuardFinding> => {
  const { text } = input
  const known = knownFormsOf(input.memory, [...input.characters, ...input.others])
  const candidates = new Map<string, Candidate>()
  const isKnownNoun = (noun: string) => isKnown(noun, known) || isKnown(stripHypocoristic(noun, 2), known) || isNotNameIn(input.memory, noun)
  const add = (raw: string, start: number, end: number, points: number, reason: string) => {
    const noun = stripHypocoristic(raw, 2)
    if (isNotNameIn(input.memory, raw) || isNotNameIn(input.memory, noun) || isKnown(raw, known) || isKnown(noun, known)) return
    const span = { start, end: start + noun.length }
    void end
    const c = candidates.get(noun) ?? { score: 0, first: span, reasons: new Set<string>() }
    if (start < c.first.start) c.first = span
    if (!c.reasons.has(reason)) c.score += points
    c.reasons.add(reason)
    candidates.set(noun, c)
  }

  // subjects of speech verbs and gestures, in narration
  const narration = narrationOf(input.memory, text)
  for (let si = 0; si < narration.sentences.length; si++) {
    for (const v of narration.hits[si]) {
      if (v.kind === "action") continue
      const subj = subjectBefore(sentenceWords(narration, si), v.at, isKnownNoun)
      if (subj === undefined) continue
      add(subj.noun, subj.start, subj.end, v.kind === "speech" ? 2 : 1, v.kind)
    }
  }

  // names before 씨/님 (strong) or another title (weak), in narration and dialogue alike
  for (const m of anchoredMatches(HONORIFIC_RE, text, honorificAnchors(text), 2, 7)) {
    const noun = m[1]
    if (LEXICAL_HONORIFICS.has(noun + m[2]) || NOT_NAMES.has(noun + m[2])) continue
    if (m[2] === "씨" && /(?:솜|마음|맵|말)$/.test(noun)) continue // 칼솜씨, 마음씨
    // 반장님, 기장님, 감독님: two-syllable role words take 님 as well
    if (m[2] === "님" && noun.length === 2 && /[장사관감독표하]$/.test(noun)) continue
    add(noun, m.index, m.index + noun.length, 2, "honorific")
  }
  for (const m of anchoredMatches(TITLE_RE, text, titleAnchors(text), 2, 6)) {
    const noun = m[1]
    // an adnominal before a title (늙은 백작, 새로 온 대리) is no name
    if (/(?:은|는|던|운|한|된|할|을|를|의|에|로|서)$/.test(noun)) continue
    add(noun, m.index, m.index + noun.length, 1, "title")
  }

  // vocatives at the head of a line of dialogue: “민규야,” “서연아!”
  for (const q of quotedSpans(text)) {
    const vm = VOCATIVE.exec(q.text)
    if (vm === null) continue
    const noun = vm[1]
    const last = noun[noun.length - 1]
    const bi = batchimIndex(last)
    const consonantFinal = hasBatchim(last)
    if ((vm[2] === "아") !== consonantFinal) continue // 아 after a consonant, 야 after a vowel
    if (vm[2] === "아" && [3, 5, 6, 9, 10, 11, 12, 13, 14, 15, 18, 20, 27].includes(bi)) continue // 괜찮아, 좋아, 있어 … (ㄳㄵㄶㄺㄻㄼㄽㄾㄿㅀㅄㅆㅎ)
    if (last === "이") continue // 정말이야
    const start = q.start + vm.index + vm[0].indexOf(noun)
    add(noun, start, start + noun.length, 1, "vocative")
  }

  // recurrence with noun-only particles
  for (const [noun, c] of candidates) {
    if (c.score >= 2) continue
    // the occurrences of /(?<![가-힣])noun/g (noun: Hangul syllables), found with indexOf
    let again = 0
    for (let at = text.indexOf(noun); at >= 0;) {
      const before = at > 0 ? text.charCodeAt(at - 1) : 0
      if (before >= 0xac00 && before <= 0xd7a3) {
        at = text.indexOf(noun, at + 1)
        continue
      }
      if (at !== c.first.start && NOUN_ONLY_PARTICLES.test(text.slice(at + noun.length))) again++
      at = text.indexOf(noun, at + noun.length)
    }
    if (again > 0) {
      c.score += 1
      c.reasons.add("recurs")
    }
  }

  const out: Array<GuardFinding> = []
  for (const [noun, c] of [...candidates].sort((a, b) => a[1].first.start - b[1].first.start)) {
    if (c.score < 2) continue
    out.push({
      code: "name.unknown",
      category: "characterization",
      severity: "error",
      message: `"${noun}" reads as a character's name (${[...c.reasons].join(", ")}) but is no character or alias in the Bible`,
      evidence: { start: c.first.start, end: c.first.end, text: text.slice(c.first.start, c.first.end) },
    })
  }
  return out
}

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

const knownPlaceCache = rememberedPartsIn<KnownPlaces>(8)

/** Everything that makes a place known: Bible names and texts, the outline, the premise, recent episodes. */
const knownPlaceText = (ctx: GuardContext): KnownPlaces => {
  const p = project(ctx)
  const b = ctx.bible
  return knownPlaceCache(
    ctx.memory,
    [b, b.characters, b.places, b.factions, b.items, p.beats, p.premise, p.title, ...recentKey(ctx)],
    () => computeKnownPlaceText(ctx),
  )
}

/**
 * The squeezed text of what the Bible and the project make known, by that text (the same for every
 * job of a project; a stage thread gets a fresh copy of the Bible with each job, so the key is the
 * content): one entry per project the factory interleaves. The outline's many short beats are
 * costly to squeezeNfc one by one every job.
 */
const projectPlaceText = rememberedIn(64, squeezeNfc)
/** The squeezed forms of a set of Bible name forms (`knownFormsOf` gives the same set for the same names). */
const squeezedFormsOf = rememberedIn(64, (forms: ReadonlySet<string>): ReadonlyArray<string> => [...forms].filter((f) => f.length >= 2).map(squeezeNfc))

const computeKnownPlaceText = (ctx: GuardContext): KnownPlaces => {
  const b = ctx.bible
  const p = project(ctx)
  const forms = knownFormsOf(ctx.memory, [...(b.places ?? []), ...(b.factions ?? []), ...(b.items ?? []), ...b.characters])
  const squeezedForms = squeezedFormsOf(ctx.memory, forms)
  // a line break is whitespace and a normalization boundary: squeezing the joined parts is
  // squeezeJoined of the parts, the project's followed by the recent episodes'
  const projectParts = [bibleText(b), ...(b.places ?? []).map((x) => x.name), ...(p.beats ?? []), p.premise ?? "", p.title ?? ""]
  const text = projectPlaceText(ctx.memory, projectParts.join("\n")) + squeezeJoined(ctx.memory, ctx.recent.flatMap((e) => [e.body, e.summary ?? ""]))
  return { forms, squeezedForms, text }
}

const isKnownPlace = (word: string, known: KnownPlaces): boolean => {
  const sq = squeezeNfc(word)
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
  const masked = maskQuotes(bodyOf(ctx.memory, text))
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

