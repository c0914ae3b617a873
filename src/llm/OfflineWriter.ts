/**
 * The offline writer: a deterministic *draft generator*, not a language model.
 *
 * It composes an episode from the `WriterBrief` alone: same (project, episode, seed, draft) → same text,
 * through a small seeded PRNG (no `Math.random`, no clock). Prose is assembled from phrase banks with
 * slots and inline alternatives (`[a|b]`), combined per beat, place and character traits, drawn without
 * replacement within an episode so it does not repeat itself, and shuffled per episode so consecutive
 * episodes share little text. It lands inside the brief's length band (characters with spaces, NFC,
 * line breaks not counted — `countCharsWithSpaces`), never writes a banned word or a name outside the
 * cast, and lets a dead character only be remembered.
 *
 * Korean (`language: "ko"`) is the real thing; any other language gets a plainer English draft.
 */
import { mulberry32 } from "../util/Prng.ts"
import { Effect, Layer } from "effect"
import type { Character, Place, Relation } from "../domain/Bible.ts"
import type { WriterBrief } from "../domain/Brief.ts"
import { countCharsWithSpaces } from "../domain/Episode.ts"
import {
  type Completion,
  type CompletionRequest,
  LanguageModel,
  type LanguageModelShape,
  LlmFatalError,
} from "./LanguageModel.ts"

export const OFFLINE_MODEL = "offline-writer-1"
export const OFFLINE_PROVIDER = "offline"

// ───────────────────────────── randomness ─────────────────────────────

/** FNV-1a, 32 bit. */
const hash32 = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

interface Rng {
  readonly next: () => number
  readonly int: (n: number) => number
  readonly chance: (p: number) => boolean
  readonly pick: <T>(xs: ReadonlyArray<T>) => T
}

const makeRng = (seed: number): Rng => {
  const next = mulberry32(seed)
  const int = (n: number) => Math.floor(next() * n)
  return { next, int, chance: (p) => next() < p, pick: (xs) => xs[int(xs.length)] }
}

/** The PRNG seed of one draft: a hash of (project, episode, seed, draft). */
export const draftSeed = (brief: Pick<WriterBrief, "project" | "episode" | "seed" | "draft">): number =>
  hash32(`${brief.project}\u0000${brief.episode}\u0000${brief.seed}\u0000${brief.draft}`)

// ───────────────────────────── Korean grammar helpers ─────────────────────────────

const HANGUL_FIRST = 0xac00
const HANGUL_LAST = 0xd7a3

const lastHangul = (word: string): number => {
  for (let i = word.length - 1; i >= 0; i--) {
    const c = word.charCodeAt(i)
    if (c >= HANGUL_FIRST && c <= HANGUL_LAST) return c - HANGUL_FIRST
    if (c >= 0x30 && c <= 0x39) return -2 // digits: read aloud, mostly with a final consonant — treat as such
    if (c !== 0x29 && c !== 0x22 && c !== 0x27 && c !== 0x201d && c !== 0x2019) return -1
  }
  return -1
}

/** Particle pairs: [after a final consonant, after a vowel]. */
const JOSA: Record<string, readonly [string, string]> = {
  은: ["은", "는"], 는: ["은", "는"],
  이: ["이", "가"], 가: ["이", "가"],
  을: ["을", "를"], 를: ["을", "를"],
  과: ["과", "와"], 와: ["과", "와"],
  아: ["아", "야"], 야: ["아", "야"],
  으로: ["으로", "로"], 로: ["으로", "로"],
  이라면: ["이라면", "라면"], 라면: ["이라면", "라면"],
  이었다: ["이었다", "였다"], 였다: ["이었다", "였다"],
  이라는: ["이라는", "라는"], 라는: ["이라는", "라는"],
  이나: ["이나", "나"], 나: ["이나", "나"],
  이다: ["이다", "다"],
}

/** `word` followed by the right form of a particle (`josa(“윤하”, “은”)` → `윤하는`). */
export const josa = (word: string, particle: string): string => {
  const pair = JOSA[particle]
  if (pair === undefined) return word + particle
  const s = lastHangul(word)
  if (s === -1) return word + pair[1]
  if (s === -2) return word + pair[0]
  const final = s % 28
  if (pair[0] === "으로") return word + (final === 0 || final === 8 ? "로" : "으로")
  return word + (final === 0 ? pair[1] : pair[0])
}

const syllable = (l: number, v: number, t: number) => String.fromCharCode(HANGUL_FIRST + l * 588 + v * 28 + t)

/**
 * Present-tense narration verb → past (`뽑는다` → `뽑았다`, `거둔다` → `거뒀다`, `고민한다` → `고민했다`).
 * Regular verbs only; returns null when the word is not one it can conjugate.
 */
export const pastOfWord = (word: string): string | null => {
  if (!word.endsWith("다") || word.length < 2) return null
  if (word.endsWith("는다") && word.length >= 3) {
    const stem = word.slice(0, -2)
    const s = stem.charCodeAt(stem.length - 1) - HANGUL_FIRST
    if (s < 0 || s > 11171) return null
    const v = Math.floor((s % 588) / 28)
    return stem + (v === 0 || v === 8 || v === 2 ? "았다" : "었다")
  }
  const s = word.charCodeAt(word.length - 2) - HANGUL_FIRST
  if (s < 0 || s > 11171 || s % 28 !== 4) return null
  const l = Math.floor(s / 588)
  const v = Math.floor((s % 588) / 28)
  const before = word.slice(0, -2)
  const open = syllable(l, v, 0)
  if (open === "하") return before + "했다"
  switch (v) {
    case 0: case 1: case 4: case 5: case 6: case 7: case 3: return before + syllable(l, v, 20) + "다"
    case 8: return before + syllable(l, 9, 20) + "다" // ㅗ → ㅘ
    case 13: return before + syllable(l, 14, 20) + "다" // ㅜ → ㅝ
    case 20: return before + syllable(l, 6, 20) + "다" // ㅣ → ㅕ
    case 18: { // ㅡ → ㅓ/ㅏ
      const p = before.length > 0 ? before.charCodeAt(before.length - 1) - HANGUL_FIRST : -1
      const pv = p >= 0 && p <= 11171 ? Math.floor((p % 588) / 28) : -1
      return before + syllable(l, pv === 0 || pv === 8 ? 0 : 4, 20) + "다"
    }
    case 11: case 16: case 19: return before + open + "었다" // 되었다, 쉬었다, 띄었다
    case 2: return before + open + "았다"
    default: return null
  }
}

/** A beat's sentences in the past tense, or null when one of them cannot be conjugated. */
export const beatInPast = (beat: string): string | null => {
  const sentences = beat.split(/(?<=[.!?])\s+/).map((s) => s.trim()).filter((s) => s.length > 0)
  if (sentences.length === 0) return null
  const out: Array<string> = []
  for (const sentence of sentences) {
    const m = /^(.*?)([가-힣]+)([.!?…]*)$/.exec(sentence)
    if (m === null) return null
    const past = pastOfWord(m[2])
    if (past === null) return null
    out.push(m[1] + past + (m[3].length > 0 ? m[3] : "."))
  }
  return out.join(" ")
}

// ───────────────────────────── phrase templates ─────────────────────────────
//
// A template is text with slots `{NAME}` or `{NAME<particle>}` (`{A은}` → `윤하는`, `{P로}` → `검장으로`)
// and inline alternatives `[a|b|c]` (which may hold slots). Slots:
//   A, B  the focus character and a partner (alive), D a dead character, X an unnamed extra,
//   P the scene's place, ADV manner, GES a gesture (past tense), EMO a feeling, OBJ a thing at hand,
//   TR / TRB a trait of A / B, KW a keyword of the beat, TIME a time of day, PADJ how a place feels,
//   SENSE a sensory sentence, RULE a world rule.

type Node = string | { readonly slot: string; readonly particle: string } | { readonly alt: ReadonlyArray<ReadonlyArray<Node>> }
/** `cap`: how often one template may be used in one episode. */
type Template = { readonly nodes: ReadonlyArray<Node>; readonly needs: number; readonly cap: number }

const NEED_B = 1
const NEED_D = 2
const NEED_X = 4
const NEED_KW = 8
const NEED_TRB = 16

const parseNodes = (src: string, i: { at: number }, stop: string): Array<Node> => {
  const out: Array<Node> = []
  let text = ""
  const flush = () => {
    if (text.length > 0) out.push(text)
    text = ""
  }
  while (i.at < src.length) {
    const ch = src[i.at]
    if (stop.includes(ch)) break
    if (ch === "{") {
      flush()
      const end = src.indexOf("}", i.at)
      const body = src.slice(i.at + 1, end)
      const m = /^([A-Z]+)(.*)$/.exec(body)
      if (m === null) throw new Error(`bad slot {${body}}`)
      out.push({ slot: m[1], particle: m[2] })
      i.at = end + 1
    } else if (ch === "[") {
      flush()
      i.at++
      const options: Array<Array<Node>> = []
      for (;;) {
        options.push(parseNodes(src, i, "|]"))
        const c = src[i.at]
        i.at++
        if (c === "]" || c === undefined) break
      }
      out.push({ alt: options })
    } else {
      text += ch
      i.at++
    }
  }
  flush()
  return out
}

const needsOf = (nodes: ReadonlyArray<Node>): number => {
  let n = 0
  for (const node of nodes) {
    if (typeof node === "string") continue
    if ("slot" in node) {
      if (node.slot === "B") n |= NEED_B
      else if (node.slot === "D") n |= NEED_D
      else if (node.slot === "X") n |= NEED_X
      else if (node.slot === "KW") n |= NEED_KW
      else if (node.slot === "TRB") n |= NEED_TRB | NEED_B
    } else for (const o of node.alt) n |= needsOf(o)
  }
  return n
}

const compile = (src: string, cap = 1): Template => {
  // `{B}{을}` is written for readability; it means `{B을}`.
  const nodes = parseNodes(src.replace(/\{([A-Z]+)\}\{([가-힣]+)\}/g, "{$1$2}"), { at: 0 }, "")
  return { nodes, needs: needsOf(nodes), cap }
}
const bank = (xs: ReadonlyArray<string>, cap = 1): ReadonlyArray<Template> => xs.map((x) => compile(x, cap))
const bankCap = (cap: number, xs: ReadonlyArray<string>): ReadonlyArray<Template> => bank(xs, cap)

// ───────────────────────────── Korean phrase banks ─────────────────────────────

const KO_ADV = [
  "천천히", "느릿하게", "조심스럽게", "무심하게", "가만히", "슬며시", "덤덤하게", "재빨리", "묵묵히", "한 박자 늦게",
  "망설이다가", "한참 만에", "짐짓", "애써", "가볍게", "힘없이", "단호하게", "얼떨결에", "머뭇거리며", "담담하게",
  "서둘러", "멋쩍게", "느긋하게", "무겁게", "잠자코", "별일 아니라는 듯", "못 이기는 척", "아무렇지 않은 척", "뒤늦게", "어색하게",
  "불쑥", "슬그머니", "지그시", "힘주어", "조용히", "말없이", "기다렸다는 듯", "습관처럼", "저도 모르게", "천천히 다시",
]

const KO_GES = [
  "고개를 끄덕였다", "고개를 저었다", "고개를 숙였다", "고개를 들었다", "입술을 깨물었다", "입꼬리를 올렸다", "어깨를 으쓱했다",
  "주먹을 말아 쥐었다", "숨을 골랐다", "한숨을 내쉬었다", "눈을 가늘게 떴다", "눈을 감았다", "시선을 피했다", "시선을 돌렸다",
  "턱을 괴었다", "팔짱을 꼈다", "뒷머리를 긁적였다", "자리에서 일어났다", "발걸음을 멈췄다", "걸음을 재촉했다", "손끝을 매만졌다",
  "소매를 걷어붙였다", "옷깃을 여몄다", "헛기침을 했다", "코끝을 찡그렸다", "미간을 좁혔다", "눈썹을 치켜올렸다", "작게 웃었다",
  "피식 웃음을 흘렸다", "입을 다물었다", "말끝을 흐렸다", "침을 삼켰다", "벽에 등을 기댔다", "창밖을 내다보았다", "주위를 둘러보았다",
  "뒤를 돌아보았다", "한 걸음 물러섰다", "한 발짝 다가섰다", "손을 내밀었다", "손바닥을 펴 보였다", "손가락으로 탁자를 두드렸다",
  "머리카락을 쓸어 넘겼다", "눈을 깜빡였다", "숨을 멈췄다", "어깨를 늘어뜨렸다", "허리를 곧게 폈다", "목소리를 낮췄다",
  "눈가를 문질렀다", "입술을 달싹였다", "천장을 올려다보았다", "바닥을 내려다보았다", "고개를 갸웃했다", "가슴께를 쓸어내렸다",
  "콧등을 문질렀다", "목덜미를 주물렀다", "손을 허공에 휘저었다", "무릎을 짚고 일어섰다", "숨을 길게 들이쉬었다", "손깍지를 꼈다",
  "발끝으로 바닥을 툭툭 찼다",
]

const KO_EMO = [
  "불안", "안도", "의심", "후회", "분노", "설렘", "긴장", "서글픔", "허탈함", "두려움", "망설임", "묘한 쓸쓸함", "짜증", "기대",
  "당혹감", "부끄러움", "서운함", "낯선 용기", "답답함", "초조함", "미안함", "고마움", "씁쓸함", "체념", "오기", "호기심", "질투",
  "막막함", "희미한 희망", "알 수 없는 열기",
]

const KO_TIME = [
  "동이 트기 직전", "새벽 공기가 아직 차가울 무렵", "해가 중천을 조금 지났을 무렵", "점심 무렵", "해가 기울기 시작할 즈음",
  "노을이 번질 무렵", "어스름이 내려앉을 즈음", "저녁 무렵", "밤이 깊어 갈 무렵", "자정이 가까울 무렵", "모두가 잠든 한밤중",
  "동틀 녘", "비가 그친 직후", "바람이 잦아든 오후", "이른 아침", "한낮", "늦은 오후", "해 질 녘", "늦은 밤", "밤이 이슥할 무렵",
  "아침 안개가 걷힐 무렵", "하루가 저물 무렵", "이튿날 아침", "그로부터 얼마 지나지 않아", "한참이 지난 뒤", "사흘째 되던 날",
  "달이 뜰 무렵", "해가 뜨기 전", "비 내리는 오후", "흐린 아침",
]

const KO_PADJ = [
  "고요했다", "어수선했다", "을씨년스러웠다", "낯설었다", "소란스러웠다", "쓸쓸했다", "눅눅했다", "환했다", "어둑했다", "비좁았다",
  "휑했다", "서늘했다", "포근했다", "답답했다", "텅 비어 있었다", "북적였다", "적막했다", "묘하게 들떠 있었다",
  "무겁게 가라앉아 있었다", "한산했다", "스산했다", "평소보다 밝았다", "이상하리만치 조용했다", "정신없이 붐볐다", "차분했다",
]

const KO_SENSE_COMMON = [
  "바람이 낮게 불어와 발치의 먼지를 쓸어 갔다.", "어디선가 개 짖는 소리가 길게 이어지다 끊겼다.",
  "공기에는 비 냄새가 희미하게 섞여 있었다.", "햇빛이 비스듬히 들어와 바닥에 긴 그림자를 그렸다.",
  "멀리서 누군가 웃는 소리가 들렸다가 금세 잦아들었다.", "창틈으로 스며든 찬 기운이 발목을 감았다.",
  "벽에 비친 그림자가 불빛을 따라 흔들렸다.", "숨을 들이쉴 때마다 눅눅한 냄새가 폐 속으로 밀려들었다.",
  "정적이 두꺼운 천처럼 사방을 덮었다.", "낡은 나무 바닥이 발밑에서 삐걱거렸다.", "구름이 달을 가렸다가 천천히 비켜났다.",
  "빗방울이 처마 끝에서 일정한 박자로 떨어졌다.", "어둠 속에서 벌레 우는 소리가 가늘게 이어졌다.",
  "따뜻한 국물 냄새가 어디선가 흘러왔다.", "먼지 낀 창 너머로 하늘이 흐릿하게 번져 보였다.",
  "바람에 실려 온 나뭇잎 하나가 발끝에 내려앉았다.", "차가운 공기가 뺨을 스치고 지나갔다.",
  "어디선가 문 닫히는 소리가 둔하게 울렸다.", "새들이 한꺼번에 날아올라 하늘을 가로질렀다.",
  "해가 기울면서 사방이 주황빛으로 물들었다.", "습기를 머금은 공기가 옷 속까지 파고들었다.",
  "발소리가 돌바닥에 부딪혀 메아리쳤다.", "희미한 불빛 아래에서 먼지가 천천히 떠다녔다.",
  "멀리서 종소리 같은 것이 한 번 울리고 멎었다.", "바깥의 소음이 갑자기 먼 곳의 일처럼 느껴졌다.",
  "비에 젖은 흙냄새가 코끝을 간질였다.", "밤공기는 생각보다 훨씬 차가웠다.", "어느새 하늘에는 별이 하나둘 떠올라 있었다.",
  "낮게 깔린 구름이 금방이라도 비를 쏟을 것 같았다.", "그림자가 길어지며 골목 끝까지 닿았다.",
]

const KO_SENSE: Record<Genre, ReadonlyArray<string>> = {
  fantasy: [
    "달빛이 기와 위를 흘러내려 마당에 고였다.", "등불 심지가 타들어 가는 소리가 유난히 크게 들렸다.",
    "안개가 강물 위를 천천히 기어와 발목을 적셨다.", "멀리 성벽 위에서 파수꾼의 횃불이 깜박였다.",
    "향 냄새와 오래된 종이 냄새가 뒤섞여 코끝을 찔렀다.", "바람이 대숲을 훑고 지나가자 잎들이 일제히 수런거렸다.",
    "검집에 맺힌 이슬이 달빛을 받아 푸르게 빛났다.", "산새 한 마리가 울음을 그치자 숲이 숨을 죽였다.",
    "처마 밑 풍경이 바람에 흔들리며 맑은 소리를 냈다.", "화로의 숯이 숨 쉬듯 밝아졌다 어두워졌다.",
    "돌계단 틈마다 이끼가 짙게 끼어 있었다.", "먼 산등성이 위로 창백한 달이 걸려 있었다.",
    "강바람에 실려 온 물비린내가 옷자락에 배었다.", "장터의 소란이 담장 너머에서 파도처럼 밀려왔다.",
    "말발굽 소리가 멀리서 다가왔다가 이내 멀어졌다.", "한지 바른 문살에 그림자 하나가 어른거렸다.",
    "밤하늘을 가로지르는 은하수가 유난히 선명했다.", "서리 내린 풀잎이 밟힐 때마다 바스락거렸다.",
    "촛농이 흘러내려 촛대 아래에 작은 언덕을 이루었다.", "흙벽 너머에서 누군가 다듬이질하는 소리가 들려왔다.",
    "바위틈에서 솟은 샘물이 차갑게 반짝였다.", "낡은 깃발이 바람에 찢어질 듯 펄럭였다.",
    "영력의 잔향이 공기 속에 얇은 막처럼 남아 있었다.", "달무리가 희미하게 번져 내일의 비를 예고했다.",
    "무너진 담장 사이로 바람이 휘파람 소리를 냈다.",
  ],
  noir: [
    "네온사인이 젖은 아스팔트 위에서 붉게 번졌다.", "형광등 하나가 신경질적으로 깜박거렸다.",
    "담배 연기가 천장 근처에서 느리게 흩어졌다.", "멀리서 뱃고동이 낮게 울렸다.",
    "빗물이 배수구로 빨려 들어가며 탁한 소리를 냈다.", "녹슨 철문 틈으로 바닷바람이 비집고 들어왔다.",
    "식은 커피에서 쓴 냄새만 남아 있었다.", "골목 끝 가로등이 지친 듯 주황빛을 흘렸다.",
    "크레인의 붉은 경고등이 어둠 속에서 규칙적으로 깜박였다.", "젖은 종이 상자들이 벽에 기대어 흐물흐물 무너져 있었다.",
    "어디선가 오토바이 한 대가 요란하게 지나갔다.", "비닐 천막 위로 빗줄기가 북을 치듯 쏟아졌다.",
    "낡은 스피커에서 오래된 재즈가 지직거리며 흘러나왔다.", "얼음이 녹아 잔 속에서 달그락 소리를 냈다.",
    "창밖의 도시는 빗물에 번져 윤곽을 잃었다.", "계단참에는 누군가 버린 담배꽁초가 수북했다.",
    "소독약 냄새와 곰팡내가 복도에 뒤섞여 있었다.", "바닷물에 절은 밧줄 냄새가 코를 찔렀다.",
    "신호등이 아무도 없는 교차로에서 홀로 색을 바꿨다.", "경적 소리가 멀리서 울리다 빗소리에 묻혔다.",
    "낡은 선풍기가 삐걱거리며 미지근한 바람을 밀어냈다.", "컨테이너 사이로 물웅덩이가 검게 고여 있었다.",
    "새벽의 부두는 기름 냄새와 생선 비린내로 무거웠다.", "누렇게 바랜 블라인드 사이로 가로등 빛이 줄무늬를 그렸다.",
    "어딘가에서 전화벨이 몇 번 울리다 끊겼다.",
  ],
  romance: [
    "커피 머신이 요란한 소리를 내며 마지막 한 방울을 떨어뜨렸다.", "복사기가 종이를 토해 내는 소리가 규칙적으로 울렸다.",
    "창가 화분의 잎이 에어컨 바람에 살랑거렸다.", "퇴근 시간을 알리는 음악이 스피커에서 흘러나왔다.",
    "어묵 국물의 김이 천막 안을 뿌옇게 채웠다.", "옥상의 바람이 머리카락을 제멋대로 흩트렸다.",
    "누군가의 책상에서 과자 봉지가 바스락거렸다.", "엘리베이터 문이 닫히기 직전에 딩동 소리가 났다.",
    "노을이 유리창을 분홍빛으로 물들였다.", "모니터 불빛만 남은 사무실이 유난히 조용했다.",
    "편의점 앞 파라솔 아래로 선선한 밤바람이 불었다.", "어디선가 달콤한 빵 냄새가 풍겨 왔다.",
    "키보드 두드리는 소리가 빗소리처럼 잦아들었다.", "벚꽃 잎 하나가 창틀에 살포시 내려앉았다.",
    "빨래 건조대에 널린 셔츠가 바람에 펄럭였다.", "화이트보드에는 지난 회의의 낙서가 지워지다 만 채 남아 있었다.",
    "라디오에서 철 지난 사랑 노래가 흘러나왔다.", "떡볶이 냄새가 골목 어귀까지 진하게 퍼져 있었다.",
    "탕비실 전자레인지가 띵 하고 울렸다.", "창밖에서 자전거 벨 소리가 경쾌하게 지나갔다.",
    "블라인드 사이로 오후 햇살이 길게 드러누웠다.", "메신저 알림음이 여기저기서 동시에 울렸다.",
    "따뜻한 유자차 향이 컵 위로 피어올랐다.", "지붕 위로 빗방울이 통통 튀었다.", "계단을 오르는 구두 소리가 또각또각 다가왔다.",
  ],
  generic: [],
}

const KO_OBJ: Record<Genre, ReadonlyArray<string>> = {
  fantasy: [
    "검집", "등불", "찻잔", "낡은 부채", "두루마리", "부적", "칼자루", "옷고름", "호롱", "목패", "약초 주머니", "대나무 통",
    "옥패", "염주", "보자기", "술병", "방울", "매듭", "활시위", "붓", "소맷자락", "나무 빗",
  ],
  noir: [
    "라이터", "담뱃갑", "식은 커피잔", "구겨진 영수증", "낡은 수첩", "열쇠 꾸러미", "우산", "사진 한 장", "명함", "술잔",
    "볼펜", "신문", "손전등", "재떨이", "코트 깃", "서류 봉투", "녹음기", "동전", "손목시계", "전화기", "약봉지", "차 열쇠",
  ],
  romance: [
    "머그잔", "사원증", "볼펜", "포스트잇", "텀블러", "결재 서류", "휴대폰", "우산", "노트북", "도시락", "립밤", "사탕 봉지",
    "서류철", "회의 자료", "이어폰", "캔커피", "손수건", "헤어핀", "쇼핑백", "명함", "탁상 달력", "화분",
  ],
  generic: ["찻잔", "편지", "열쇠", "수첩", "우산", "손수건", "사진", "가방", "컵", "책", "펜", "모자"],
}

const KO_EXTRAS: Record<Genre, ReadonlyArray<string>> = {
  fantasy: ["늙은 뱃사공", "주막 주인", "떠돌이 약장수", "어린 심부름꾼", "성문 파수꾼", "장터 상인", "이름 모를 나그네", "절간의 노승", "대장장이", "길 잃은 소년"],
  noir: ["바텐더", "야간 경비원", "택시 기사", "편의점 점원", "부두 창고 직원", "늙은 청소부", "신문 배달원", "당직 순경", "국밥집 주인", "구두 수선공"],
  romance: ["편의점 직원", "옆 팀 신입", "경비 아저씨", "포장마차 이모", "택배 기사", "카페 사장님", "청소 여사님", "인턴 사원", "회계팀 막내 직원", "꽃집 주인"],
  generic: ["지나가던 행인", "가게 주인", "낯선 사람", "이웃 노인", "배달원", "경비원"],
}

// — the clause generator's chunks: [CONN] S [MOD] [ADV] PRED —

const KO_CONN = [
  "그러다", "그 순간", "잠시 후", "문득", "이윽고", "한편", "그사이", "그래도", "결국", "어느새", "그제야", "곧이어",
  "그러고는", "잠깐 사이에", "대답 대신", "말이 끝나기 무섭게", "그 말에", "그 모습에", "한참 뒤", "얼마 지나지 않아",
  "그때", "그러는 동안", "뒤이어", "망설임 끝에", "마지못해", "그 틈에", "아무도 모르게", "다시 한번", "한동안",
  "숨을 돌릴 새도 없이", "대수롭지 않게", "끝내", "그럼에도", "처음으로", "오랜만에", "겨우", "뜻밖에도", "이번에는",
  "그 와중에도", "기척을 느낀",
]

/** Adverbial chunks: how, where, holding what. */
const KO_MOD = bank([
  "{OBJ을} 손에 쥔 채", "{OBJ을} 내려다보며", "창가에 기대어", "문가에 선 채", "숨을 고르며", "{P}의 한구석에서",
  "벽에 등을 붙인 채", "고개를 반쯤 돌린 채", "젖은 소매를 털며", "발끝을 내려다보며", "{B}{을} 곁눈질하며", "{B}의 눈치를 살피며",
  "입술을 꾹 다문 채", "팔짱을 낀 채", "한 손으로 턱을 괸 채", "무릎 위에 손을 얹은 채", "어둠에 눈이 익기를 기다리며",
  "아무 일 없다는 얼굴로", "{EMO을} 삼키며", "떨리는 손끝을 감추며", "그림자 속에 몸을 숨긴 채", "발소리를 죽이며",
  "조금 떨어진 곳에서", "등 뒤의 기척을 느끼며", "낮은 한숨과 함께", "마지막 남은 기운을 끌어모아", "잠깐 눈을 감았다 뜨고",
  "{TR을} 감추지 못한 채", "{B}에게서 한 걸음 물러나", "{B}의 곁으로 다가가", "{OBJ}{을} 만지작거리며", "흐트러진 옷매무새를 고치며",
  "식은 손을 비비며", "먼 곳을 바라보며", "웃음을 참으며", "{P}의 입구 쪽을 살피며", "헝클어진 머리를 넘기며",
  "굳은 얼굴로", "한결 누그러진 얼굴로", "빨개진 귀를 감추며", "{EMO}에 잠긴 눈으로", "천천히 몸을 일으켜", "어깨의 먼지를 털며",
  "애써 웃으며", "{B}의 말을 곱씹으며", "{OBJ} 너머로", "가쁜 숨을 삼키며", "짐짓 딴청을 피우며", "잠시 머뭇거리다",
  "묵직한 침묵 속에서", "차가워진 손끝으로", "{B} 쪽으로 몸을 기울이며", "눈을 반쯤 내리깐 채", "흔들리는 불빛 아래에서",
  "한 발 늦게", "누구에게랄 것 없이", "{TR}답게", "물기 어린 눈으로", "입가를 훔치며",
], 3)

/** Predicates: gestures and small acts, past tense. */
const KO_PRED = [
  "말없이 서 있었다", "생각에 잠겼다", "다음 말을 기다렸다", "쓴웃음을 삼켰다", "짧게 숨을 내쉬었다", "자리를 지켰다",
  "몸을 일으켰다", "시선을 떨구었다", "주먹에 힘을 주었다", "조용히 웃었다", "대답을 미루었다", "걸음을 옮겼다",
  "눈을 질끈 감았다", "입을 열었다가 다시 닫았다", "고개를 모로 꼬았다", "한참을 그렇게 있었다", "숨을 죽였다",
  "손을 거두었다", "가만히 귀를 기울였다", "작게 중얼거렸다", "마른침을 삼켰다", "시선을 거두지 않았다", "등을 돌렸다",
  "표정을 굳혔다", "긴 숨을 토해 냈다", "제자리에 멈춰 섰다", "멋쩍게 웃었다", "주위를 살폈다", "눈을 내리깔았다",
  "손바닥으로 얼굴을 쓸었다", "한 걸음 더 다가갔다", "창밖으로 눈을 돌렸다", "입술을 앙다물었다", "짧게 대꾸했다",
  "잠시 망설였다", "어깨를 움츠렸다", "턱에 힘을 주었다", "소리 없이 웃었다", "애꿎은 바닥만 내려다보았다", "한숨을 삼켰다",
]

const KO_SPEECH_MANNER = [
  "낮게", "조용히", "짧게", "나직이", "퉁명스럽게", "담담하게", "웃으며", "한숨 섞인 목소리로", "떨리는 목소리로",
  "잠긴 목소리로", "장난스럽게", "무심하게", "단호하게", "들릴락 말락 하게", "천천히", "힘주어", "빠르게", "머뭇거리며",
  "어이없다는 듯", "피곤한 목소리로", "능청스럽게", "또박또박", "뜸을 들이다가", "작은 소리로", "건조하게", "억지로 웃으며",
  "시선을 피한 채", "고개를 끄덕이며", "눈을 가늘게 뜨고", "목소리를 낮춰",
]
const KO_SPEECH_VERB = ["말했다", "대꾸했다", "덧붙였다", "중얼거렸다", "받아쳤다", "대답했다", "속삭였다", "잘라 말했다", "내뱉었다", "얼버무렸다", "쏘아붙였다", "말을 이었다"]
const KO_ASK_VERB = ["물었다", "되물었다", "떠보았다", "캐물었다", "물어 왔다", "슬쩍 물었다"]

const KO_LINES_COMMON = bank([
  "그래서, 이제 어떻게 할 [생각이야|셈이야]?", "잠깐만. 방금 그 말, 다시 해 봐.", "나도 알아. [알고 있다고|안다니까].",
  "그렇게 쉽게 끝날 일이었으면 [처음부터 시작하지도 않았어|여기까지 오지도 않았지].", "지금은 아무것도 묻지 마.",
  "네 얼굴에 [다 쓰여 있어|전부 티가 나].", "괜찮은 척하는 거, [생각보다 티가 나|하나도 안 어울려].",
  "{P}에서는 말을 아끼는 게 좋아.", "누가 먼저 움직이느냐의 문제야.", "이상하지 않아? [너무 조용하잖아|다들 너무 태연해].",
  "그 얘기는 [나중에 하자|다음에 해].", "한 번만, 딱 한 번만 믿어 줘.", "약속은 못 해. 대신 [노력은 할게|끝까지 가 볼게].",
  "웃지 마. [진지하게 하는 말이니까|농담 아니야].", "내가 틀렸다면, 그때 가서 [사과할게|무릎이라도 꿇지].",
  "지금 돌아서면 다시는 기회가 없어.", "그게 정말 [네가 원하는 거야|네 진심이야]?", "이대로 물러설 수는 없어.",
  "{KW}. 결국 그게 열쇠야.", "{KW} 얘기는 아무한테도 하지 마.", "[생각보다|예상보다] 일이 커졌네.", "숨 좀 돌리고 얘기해.",
  "무서우면 무섭다고 말해도 돼.", "다들 뭔가 숨기고 있어. [나만 빼고|나까지 포함해서].", "그건 네 잘못이 아니야.",
  "이번에는 내 방식대로 할게.", "아직 [끝나지 않았어|끝난 게 아니야].", "혼자 다 짊어지려고 하지 마.",
  "대답하기 싫으면 안 해도 돼.", "그런 눈으로 보지 마. 나도 처음이야.", "[시간이|남은 시간이] 많지 않아.",
  "어쩌면 우리가 처음부터 잘못 짚었는지도 몰라.", "말해 봐. 듣고 있으니까.", "하나만 묻자. 왜 하필 지금이야?",
  "믿을 사람을 잘 골라야 해.", "운이 좋았던 거야. 다음엔 없어.", "그럼 내기할래?", "이쯤 되면 우연이라고 하기 어렵지.",
  "오늘 일은 잊지 않을 거야.", "좋아. [그렇게 하자|네 말대로 하지].", "{KW}에 대해 아는 게 있으면 지금 말해.",
  "미안해. 그 말밖에 할 수가 없네.", "솔직히 말하면, 조금 겁이 나.", "네가 없었으면 여기까지 못 왔을 거야.",
  "그만. 거기까지만 해.", "다음 수는 네가 정해.", "내 눈을 보고 다시 말해 봐.", "이상한 소리로 들리겠지만, 끝까지 들어 줘.",
  "지금 웃음이 나와?", "가자. 더 늦기 전에.", "누군가는 해야 하는 일이야.", "{P}에 너무 오래 머물렀어.",
  "그래도 포기할 생각은 없어.", "모르는 게 약일 때도 있어.", "내가 뭘 잘못 들은 거지?", "끝까지 같이 가자.",
  "정말 그게 다야?", "우리한테 남은 선택지는 많지 않아.", "겉으로 보이는 게 전부가 아니야.", "고마워. [진심이야|정말로]."
])

const KO_LINES: Record<Genre, ReadonlyArray<Template>> = {
  fantasy: bank([
    "달이 차오르기 전에 움직여야 한다.", "검을 거두어라. 여기는 싸울 자리가 아니다.", "이 검이 왜 나를 택했는지 아직도 모르겠어.",
    "성문이 닫히기 전에 빠져나가야 해.", "술법에는 언제나 대가가 따르는 법이지.", "하늘이 흐리면 영력도 흐려진다. 조심해.",
    "옛사람들의 말이 틀린 적은 없었소.", "네 검 끝이 떨리고 있구나.", "함부로 이름을 부르지 마라. 이름에도 힘이 있다.",
    "그 길은 살아 돌아온 자가 없다고 들었다.", "궁 안의 벽에는 귀가 달려 있어.", "피는 물보다 진하다지만, 검보다 진하지는 않지.",
    "오늘 밤은 달이 너무 밝군. 숨기 어렵겠어.", "내가 가르칠 수 있는 건 여기까지다.", "검은 손이 아니라 마음으로 쥐는 거다.",
    "그대의 눈빛은 누군가를 닮았소.", "서두르지 마라. 물은 흐르는 대로 흐른다.", "바람의 방향이 바뀌었어. 누가 오고 있다.",
    "약속하마. 반드시 돌아오겠다.", "전설은 언제나 절반만 진실이지.", "이곳의 흙은 아직 피 냄새를 품고 있어.",
    "목숨을 걸 만한 일인지 잘 생각해 보게.", "날이 밝으면 모든 게 달라져 있을 거야.", "그 문양, 어디서 본 적이 있소.",
    "검을 뽑는 순간부터 되돌릴 수 없다.", "하늘의 뜻이든 사람의 뜻이든, 나는 내 길을 가겠어.", "주막의 술은 싱겁지만 소문만큼은 진하지.",
    "등불을 꺼라. 누군가 지켜보고 있다.", "칼끝이 아니라 상대의 어깨를 봐.", "이 봉인은 억지로 열면 안 된다.",
    "영력이 바닥나면 너도 무사하지 못할 거야.", "오래된 맹세는 쉽게 풀리지 않는 법이오.", "살아남는 게 먼저다. 복수는 그다음이고.",
    "여기서부터는 나 혼자 간다.", "{P}의 밤은 길다. 각오해 두어라.",
  ]),
  noir: bank([
    "이 도시에서 공짜는 없어.", "경찰을 믿느니 날씨를 믿겠어.", "돈 얘기부터 하지. 그게 서로 편하니까.",
    "그 이름, 여기서 함부로 꺼내지 마.", "난 질문만 해. 대답은 당신이 하고.", "거짓말을 하려면 눈부터 연습해.",
    "비 오는 날엔 다들 입이 무거워지지.", "증거 없으면 소설이야. 알잖아.", "한 잔 더 줘. 오늘은 길 것 같으니까.",
    "누가 돈을 대는지 알면 절반은 푼 거야.", "이 바닥에서 오래 살아남는 놈들은 말이 없어.", "당신, 아직도 형사처럼 말하는군.",
    "사람은 사라져도 흔적은 남아.", "문 닫고 들어와. 창문 쪽엔 서지 말고.", "내 일은 찾는 거지, 심판하는 게 아니야.",
    "영수증은 거짓말을 안 하거든.", "오늘 밤은 집에 들어가지 마.", "다음에 만날 땐 웃으면서 만나자고.",
    "당신이 아는 건 반만 진실이야.", "누군가 돈을 받았어. 그게 누군지가 문제지.", "이 동네 사람들은 보고도 못 본 척해.",
    "겁먹은 사람은 말이 많아지지.", "서류는 태울 수 있어도 사람 입은 못 막아.", "빚은 언젠가 갚게 돼 있어. 이자까지 쳐서.",
    "내가 당신이라면 오늘 밤 {P}에는 안 가.", "여기선 다들 누군가에게 목줄이 매여 있어.", "그 사진, 어디서 났어?",
    "정의는 비싸. 당신이 감당할 수 있겠어?", "우리 사이에 예의는 생략하지.", "아는 게 많으면 오래 못 살아.",
    "그날 밤 누가 문을 열어 줬는지 생각해 봐.", "틀린 쪽이 살아남을 때도 있지.", "커피 식었네. 당신 얘기처럼.",
    "원하는 게 뭐야. 돌려 말하지 말고.", "{KW}, 그게 이 판의 전부야.",
  ]),
  romance: bank([
    "그 표정 반칙인 거 알아요?", "오늘은 칼퇴할 거예요. 말리지 마세요.", "저 지금 심장이 좀 이상한데, 야근 때문이겠죠?",
    "회사에서는 모르는 사이라면서요.", "그쪽이 먼저 웃었잖아요.", "계약서에 그런 조항은 없었는데요.",
    "아니, 그게 아니라… 그러니까, 음.", "밥은 먹고 다녀요? 얼굴이 반쪽이네.", "이건 어디까지나 업무상 걱정입니다.",
    "소문은 내가 알아서 막을게. 넌 모른 척만 해.", "그렇게 보면 제가 민망하잖아요.", "다음부터는 미리 말하고 나타나 주세요.",
    "혹시 지금 질투하는 거예요?", "설마요. 제가요? 전혀요.", "내일 보고서 마감인 거 잊지 않았죠?",
    "우산 하나밖에 없는데, 같이 쓸래요?", "커피는 제가 살게요. 대신 오늘 일은 비밀.", "아까 그 말, 진심 아니죠? 아니라고 해 줘요.",
    "그 넥타이, 누가 골라 줬어요?", "일단 웃고 봅시다. 수습은 나중에.", "칭찬이에요, 욕이에요? 헷갈리게.",
    "저 원래 이렇게 덤벙대는 사람 아니거든요.", "제 연애 사정까지 결재받아야 해요?", "그러니까 우리, 지금 연기하는 거 맞죠?",
    "배고프면 사람이 예민해지는 거 알아요?", "회의 들어가기 전에 거울 좀 봐요. 입가에 뭐 묻었어요.",
    "다들 보고 있잖아요. 좀 떨어져요.", "오늘 하루만 편들어 주면 안 돼요?", "아무 말도 안 했는데 왜 얼굴이 빨개져요?",
    "이번 주말에 시간 있어요? 아니, 업무 때문에요.", "제가 언제 그랬다고 그래요!", "아, 진짜. 사람 헷갈리게 하는 데 뭐 있어요?",
    "농담이었어요. 반은요.", "그렇게 잘해 주지 마요. 착각하니까.", "퇴근하고 떡볶이 어때요? 제가 쏠게요.",
  ]),
  generic: [],
}

const KO_LINES_ALL: Record<Genre, ReadonlyArray<Template>> = {
  fantasy: [...KO_LINES_COMMON, ...KO_LINES.fantasy],
  noir: [...KO_LINES_COMMON, ...KO_LINES.noir],
  romance: [...KO_LINES_COMMON, ...KO_LINES.romance],
  generic: KO_LINES_COMMON,
}

const KO_TAG_SAY = bank([
  "{A이} [낮게|조용히|짧게|나직이] [말했다|대꾸했다|덧붙였다].", "{A이} [나직이|퉁명스럽게|나지막이|담담하게|덤덤하게|무심하게] 말했다.", "{A이} 짧게 잘라 말했다.",
  "{A의} 목소리는 [생각보다|뜻밖에] [차분했다|낮았다|가벼웠다].", "{A이} 말끝을 흐렸다.", "{A이} 한숨 섞인 목소리로 말했다.",
  "{A이} 웃음기를 거두고 말했다.", "{A이} 시선을 피한 채 대답했다.", "{A이} 단호하게 못 박았다.",
  "농담처럼 들렸지만 {A의} 눈은 웃고 있지 않았다.", "{A이} 작게 웃으며 받아쳤다.", "{A이} 중얼거리듯 말했다.",
  "{A이} {ADV} {GES}", "{A은} 그렇게 말하고 {GES}", "말을 마친 {A이} {GES}", "{A의} 대답은 [간결했다|짧았다|빨랐다].",
  "{A이} 기다렸다는 듯 [받아쳤다|대답했다].", "{A이} [잠시 뜸을 들이다가|한 박자 늦게] 입을 열었다.",
])

const KO_TAG_ASK = bank([
  "{A이} 물었다.", "{A이} 조심스럽게 물었다.", "{A이} 되물었다.", "{A이} 고개를 갸웃하며 물었다.",
  "{A의} 물음에는 날이 서 있었다.", "{A이} 넌지시 떠보았다.", "{A이} 대답을 재촉하듯 물었다.",
  "{A이} 믿기지 않는다는 듯 물었다.", "{A이} 짐짓 모르는 척 물었다.", "{A이} 목소리를 낮춰 물었다.",
])

const KO_THOUGHTS = bank([
  "이대로는 안 돼.", "왜 하필 지금이야.", "침착하자. 하나씩.", "저 사람, 뭔가 알고 있어.", "도망칠 곳은 없다.",
  "그래, 어차피 시작한 일이야.", "내가 뭘 놓치고 있는 거지?", "{KW}. 모든 건 거기서 시작됐어.", "믿어도 될까.",
  "웃고 있지만 눈은 아니야.", "조금만 더 버티자.", "후회는 나중에 해도 늦지 않아.", "이상하게 마음이 놓이네.",
  "지금 물러서면 평생 후회할 거야.", "들키면 끝이야.", "믿는 척이라도 해야 해.", "아직은 때가 아니야.", "숨 쉬어. 천천히.",
  "나는 왜 여기까지 왔을까.", "생각보다 괜찮잖아, 나.", "이건 분명 함정이야.", "한 번쯤은 운이 따라 줘도 되잖아.",
  "{B은} 정말 내 편일까.", "모르는 척하는 것도 재주라면 재주지.", "이런 기분, 오랜만이야.", "누가 먼저 지치느냐의 싸움이야.",
  "여기서 울면 지는 거야.", "말 한마디에 이렇게 흔들리다니.", "적어도 거짓말은 하지 말자.", "{P}, 여기서 끝을 봐야 해.",
  "계산이 맞지 않아.", "이대로 시간이 멈췄으면.", "괜히 왔나. 아니, 오길 잘했어.", "두려운 건 실패가 아니라 후회야.",
  "다음 수를 생각해.", "모든 게 너무 딱 맞아떨어져.", "이번엔 내가 지킬 차례야.", "왜 자꾸 저 얼굴이 눈에 밟히지.",
  "정신 차려. 지금은 일이 먼저야.", "어쩌면 처음부터 답은 정해져 있었는지도.", "오늘만 넘기면 돼.", "분명 뭔가 빠졌어.",
  "누구도 다치게 하지 않겠어.", "{KW}, 그게 대체 뭐길래.",
])

const KO_THOUGHT_FRAME = bankCap(2, [
  "{A은} 속으로 [되뇌었다|중얼거렸다|다짐했다].", "{A은} 입 밖으로 내지 못한 말을 삼켰다.", "{A은} 그 생각을 [애써|서둘러] 밀어냈다.",
  "{A의} 속마음은 [얼굴과 달리|겉보기와 달리] [소란스러웠다|복잡했다].", "{A은} 스스로에게 {ADV} 물었다.",
  "생각이 거기까지 미치자 {A은} {GES}", "{A은} 그런 생각을 하며 {GES}", "{A은} 마음속으로 [셈을 해 보았다|답을 골랐다].",
])

/** Narration about A alone. */
const KO_NARR_A = bank([
  "{A은} {ADV} {GES}", "{A은} {OBJ을} {ADV} 만지작거렸다.", "{A의} 시선이 {OBJ}에 [오래|잠시] 머물렀다.",
  "{A은} [늘|언제나] {TR} 때문에 [손해를 보는 편이었다|곤란해지곤 했다].", "{A의} {TR은} 이런 순간에 더 [또렷하게|선명하게] 드러났다.",
  "{A은} {P}의 공기를 깊게 들이마셨다.", "{A은} 잠시 {P}의 [구석구석을|안쪽을] 눈으로 훑었다.",
  "{A의} 가슴 한쪽에서 {EMO이} 고개를 들었다.", "{EMO이} [밀물처럼|파도처럼] 밀려왔다가 [천천히|이내] 빠져나갔다.",
  "{A은} 그 감정에 {EMO이라는} 이름을 붙이고 싶지 않았다.", "말로 설명할 수 없는 {EMO이} {A의} 목덜미를 타고 올라왔다.",
  "{A은} 애써 태연한 척 {GES}", "{A은} 속으로 셋을 센 뒤 {GES}", "{A은} 대답 대신 {OBJ} 끝을 손가락으로 쓸었다.",
  "{A은} 웃어야 할지 [화를 내야 할지|울어야 할지] 알 수 없었다.", "{A의} 머릿속에서 몇 가지 가능성이 빠르게 스쳐 지나갔다.",
  "{A은} 숨을 고르고 다음 말을 골랐다.", "{A의} 손끝이 [미세하게|저도 모르게] 떨렸다.", "{A은} 떨리는 손을 감추려 {OBJ을} 꽉 쥐었다.",
  "{A은} 스스로에게 {ADV} 다짐했다.", "{A은} 자기도 모르게 {OBJ} 쪽으로 손을 뻗었다.", "{A은} 이번만큼은 {TR}에 기대지 않기로 했다.",
  "{A은} {ADV} 걸음을 옮겼다.", "{A은} {EMO을} 들키지 않으려 {GES}", "{A은} {P}{을} 천천히 가로질렀다.",
  "{A의} 발끝이 바닥을 [가볍게|초조하게] 두드렸다.", "{A은} {OBJ을} 내려놓고 [창가로|문 쪽으로] 몸을 돌렸다.",
  "{A은} [마른침을 삼키고|숨을 죽이고] 귀를 기울였다.", "{TR}. 그것이 {A을} 여기까지 데려온 힘이었다.",
  "{A은} 자신의 {TR}{을} 떠올리며 쓴웃음을 지었다.", "[그제야|비로소] {A은} 자신이 {EMO}에 떨고 있다는 걸 깨달았다.",
  "{A은} [한동안|잠시] {OBJ}만 [내려다보았다|바라보았다].", "{A은} 소리 없이 {GES}", "{A의} 입가에 [희미한|옅은] 미소가 스쳤다.",
  "{A은} 괜히 {OBJ}{을} [이리저리 옮겼다|만지작거렸다].", "{A은} 지친 얼굴로 {GES}", "{A은} 무언가 결심한 얼굴로 {GES}",
])

/** Narration about A with a partner B. */
const KO_NARR_AB = bank([
  "{B은} 대답 대신 {GES}", "{B은} {A의} {TR을} 모르지 않았다.", "{A와} {B} 사이로 [짧은|어색한|무거운] 침묵이 내려앉았다.",
  "{B의} 눈빛이 {ADV} 흔들렸다.", "{A은} {B의} 얼굴을 [한참 동안|물끄러미] 바라보았다.", "{B은} {A의} 말을 곱씹듯 {GES}",
  "{B은} 들으라는 듯 {GES}", "{B이} 먼저 입을 열 때까지, {A은} 기다리기로 했다.", "{B의} 어깨 너머로 {OBJ} 하나가 눈에 들어왔다.",
  "{B은} 한쪽 눈썹을 치켜올린 채 {A을} 바라보았다.", "{A은} {B의} {TRB} 앞에서 [늘|번번이] 한 박자 늦었다.",
  "오늘따라 {B의} {TRB이} 유난히 눈에 밟혔다.", "{B의} 그림자가 {A의} 발치까지 길게 늘어졌다.",
  "{A은} 마른침을 삼키고 {B의} 다음 말을 기다렸다.", "{B은} 무언가 말하려다 {GES}", "{A은} {B} 쪽으로 {ADV} 몸을 돌렸다.",
  "{B은} {A에게} {OBJ을} [건넸다|내밀었다].", "{A은} {B의} 표정에서 {EMO을} 읽었다.", "{B은} {ADV} {A의} 곁에 섰다.",
  "{A은} {B}에게서 [시선을 떼지 못했다|눈을 돌렸다].", "{B의} {TRB은} [오늘도|이번에도] 변함이 없었다.",
  "{A은} {B의} 말투에 [묻어난|스민] {EMO을} 못 들은 척했다.", "{B이} {GES} {A은} 그 모습을 [말없이|가만히] 지켜보았다.",
  "{A와} {B}{은} 동시에 {OBJ} 쪽을 보았다.", "{B은} {A의} 어깨를 [가볍게|툭] 쳤다.", "{A은} {B의} [눈을|얼굴을] 똑바로 마주 보았다.",
])

const KO_OPEN = bank([
  "{TIME}, {P}{은} {PADJ}", "{TIME}{이었다}. {P}{은} {PADJ}", "{A은} {TIME} {P}에 [도착했다|들어섰다].",
  "{P}{은} [생각보다|언제나처럼|여전히] {PADJ}", "{P}에 들어서자 {SENSE}", "{TIME}의 {P}{은} {PADJ}",
  "{A이} {P}에 닿은 것은 {TIME}{이었다}.", "{TIME}, {A은} {P}의 [문턱|입구] 앞에 섰다.",
])

const KO_DESC = [
  ...bank(["{P}의 공기는 [어딘가|묘하게] {EMO과} 닮아 있었다.", "{P}{은} [어느새|여전히] {PADJ}", "{P} 어디에선가 {OBJ} 하나가 [굴러떨어졌다|바닥에 떨어졌다]."]),
  ...bank(["{SENSE}", "{SENSE}", "{SENSE}", "{SENSE}", "{SENSE}"], 3),
]

const KO_REL: Partial<Record<Relation["type"], ReadonlyArray<Template>>> = {
  LOVES: bank([
    "{A은} {B}{을} 볼 때마다 이유 모를 온기를 느꼈다.", "{A의} 시선은 자꾸만 {B} 쪽으로 흘렀다.",
    "{A은} {B}에게만큼은 약해지는 자신이 [낯설었다|우스웠다].",
  ]),
  HATES: bank([
    "{A은} {B}의 이름만 들어도 이가 갈렸다.", "{A와} {B} 사이에는 오래 묵은 증오가 가라앉아 있었다.",
    "{A은} {B}{을} 용서할 생각이 [없었다|조금도 없었다].",
  ]),
  RIVAL_OF: bank([
    "{A은} {B}{을} 넘지 않고서는 한 걸음도 나아갈 수 없다고 생각했다.", "{A와} {B}, 두 사람은 서로의 가장 날카로운 거울이었다.",
    "{A은} {B}의 다음 수를 읽으려 애썼다.",
  ]),
  KNOWS: bank([
    "{A와} {B}{은} 서로를 알 만큼은 알았다.", "{A은} {B}의 침묵이 무엇을 뜻하는지 짐작할 수 있었다.",
    "긴 시간이 {A와} {B} 사이에 말 없는 이해를 남겨 두었다.",
  ]),
  SERVES: bank([
    "{A은} 언제나 {B}의 한 걸음 뒤에 섰다.", "{A에게} {B}의 안전보다 중요한 것은 없었다.", "{A은} {B}의 뜻이라면 망설이지 않았다.",
  ]),
}

/** A dead character is only ever remembered: every one of these says so (기억, 떠올리다, 생전, 빈자리, 그리움). */
const KO_MEMORY = bankCap(2, [
  "{A은} 문득 {D}{을} 떠올렸다.", "{D의} 빈자리가 [오늘따라|유난히] 크게 느껴졌다.", "생전의 {D}{이라면} [뭐라고 했을까|어떻게 했을까].",
  "{A의} 기억 속에서 {D}{은} 여전히 [웃고 있었다|같은 자리에 서 있었다].", "{D}{이} 남긴 말이 기억 한편에서 되살아났다.",
  "{A은} {D}{을} 그리워하는 마음을 애써 눌렀다.", "바람이 불 때마다 {D}에 대한 기억이 밀려왔다.",
  "{D의} 빈자리를 대신할 수 있는 것은 아무것도 없었다.", "{A은} {D}{와} 함께했던 날들을 떠올리며 입술을 깨물었다.",
  "생전에 {D}{이} 즐겨 하던 말이 떠올랐다.", "{D}에 대한 그리움이 가슴 밑바닥에 고여 있었다.",
  "{A은} 다시는 볼 수 없는 {D}의 얼굴을 떠올렸다.", "{A은} 그 기억 속에서만 {D}{을} 만날 수 있었다.",
])

const KO_RULE = bank([
  "누구나 아는 사실이었다. {RULE}", "{A은} 새삼스레 그 사실을 되새겼다. {RULE}", "{RULE} 그것은 이곳에서 변하지 않는 이치였다.",
  "{RULE} {A은} 그 사실을 한순간도 잊은 적이 없었다.", "[잊어서는 안 되는|모두가 아는] 것이 있었다. {RULE}",
])

const KO_KW = bank([
  "{A은} {KW}에 관한 생각을 좀처럼 떨쳐 내지 못했다.", "{KW}. 그 [단어가|말이] 머릿속에서 맴돌았다.", "{A은} 그제야 {KW}의 무게를 실감했다.",
  "모든 것이 {KW}{으로} 이어져 있었다.", "{A은} {KW}{을} 생각하며 {GES}", "{KW}{이라는} 말 앞에서 {A은} [잠시|한동안] 말을 잃었다.",
  "{A의} 머릿속은 온통 {KW} 생각뿐이었다.",
])

const KO_BEAT_FRAME = bank([
  "그리고 마침내 그 순간이 왔다.", "모든 일은 순식간에 벌어졌다.", "돌이켜 보면, 그것은 피할 수 없는 일이었다.",
  "그때부터 일은 걷잡을 수 없이 흘러갔다.", "아무도 예상하지 못한 방향이었다.", "망설임은 길지 않았다.", "숨 한 번 고를 틈도 없었다.",
  "운명은 그리 친절하지 않았다.", "누구도 그 흐름을 막을 수 없었다.", "시간이 잠시 느려진 것 같았다.", "결정적인 순간은 예고 없이 찾아왔다.",
  "모든 조각이 한꺼번에 맞춰지기 시작했다.",
])

const KO_BEAT_AFTER = bank([
  "{A은} 한동안 그 자리에서 움직이지 못했다.", "그 일의 의미를 이해하는 데에는 시간이 필요했다.", "누구도 먼저 입을 열지 못했다.",
  "{A의} 심장이 귓가에서 쿵쿵 울렸다.", "모든 것이 끝난 뒤에도 손끝의 떨림은 멈추지 않았다.", "공기마저 무거워진 듯했다.",
  "{A은} 방금 일어난 일을 머릿속으로 몇 번이고 되짚었다.", "잠시 뒤, 참았던 숨이 한꺼번에 터져 나왔다.",
  "그것으로 무언가가 분명히 달라졌다.", "{A은} 이제 되돌아갈 길이 없다는 걸 알았다.",
])

const KO_CLOSE = bank([
  "그리고 그때, 누군가 문을 두드렸다.", "그 밤이 끝이 아니라는 것을, 그때는 아무도 알지 못했다.", "멀리서 낯선 발소리가 다가오고 있었다.",
  "{A은} 아직 몰랐다. 진짜 시작은 지금부터라는 것을.", "그 순간, 등 뒤에서 [익숙한|낯선] 목소리가 들려왔다.",
  "그리고 다음 날 아침, 모든 것이 달라져 있었다.", "{A의} 눈앞에 믿을 수 없는 광경이 펼쳐졌다.",
  "그것은 끝이 아니라, 더 긴 이야기의 첫 장이었다.", "{A은} 천천히 고개를 들었다. 그리고 보았다.", "어둠 속에서 누군가 조용히 웃고 있었다.",
  "{A은} 마지막으로 {P}{을} 돌아보았다. 그곳에 있어서는 안 될 그림자가 서 있었다.", "바로 그 순간, 모든 소리가 멎었다.",
  "그리고 {A은} 결심했다. 더는 물러서지 않겠다고.", "누군가 {A의} 이름을 불렀다. 들려서는 안 될 목소리로.",
  "어딘가에서 시작된 균열이 조용히 번지고 있었다.", "그날 밤, {A은} 한숨도 자지 못했다.",
  "그 답을 알게 되는 데에는, 그리 오랜 시간이 걸리지 않았다.", "문밖에서 무언가 쓰러지는 소리가 들렸다.",
  "그리고, 전혀 예상하지 못한 손님이 찾아왔다.", "{A은} 손을 뻗었다. 그러나 닿지 않았다.",
  "모든 것이 제자리로 돌아온 것처럼 보였다. 겉으로는.",
])

/** The recap names what happened by its keywords (`{R}`), never copying the previous summary's sentences. */
const KO_RECAP = bank([
  "{A}에게 지난 일은 아직 [생생했다|선명했다]. {R}, {R}, 그리고 {R}.",
  "{R}{과} {R}. {A의} 머릿속에는 [아직|여전히] 그 [장면들이|순간들이] 남아 있었다.",
  "{A은} 지난 일을 하나씩 되짚었다. {R}, {R}, {R}.",
  "[지난번|그 전날]의 일은 {R}에서 시작해 {R}{으로} 끝났다. 적어도 {A은} 그렇게 기억했다.",
  "{R}{과} {R}, 그리고 {R}. [며칠 사이에|짧은 사이에] 너무 많은 일이 있었다.",
])
const KO_RECAP_ONE = bank([
  "{R}. 그 말을 떠올리기만 해도 {A의} 가슴이 [무거워졌다|답답해졌다].",
  "{A은} 아직 {R}의 일을 [잊지 못했다|곱씹고 있었다].",
])

const KO_RECAP_TAIL = bank([
  "그날의 여운은 아직 가시지 않았다.", "그 일이 있은 지 채 하루도 지나지 않았다.", "모든 것이 그 뒤로 조금씩 달라지고 있었다.",
  "하지만 이야기는 거기서 끝나지 않았다.", "그리고 시간은 어김없이 흘렀다.", "그 뒤로 {A은} 좀처럼 잠을 이루지 못했다.",
  "아직 아무것도 끝나지 않았다.", "그렇게 또 하루가 저물었다.", "상처는 아물지 않은 채로 남아 있었다.",
])

/** Short sentences to fine-tune the length. */
const KO_FILLER = [
  "잠시 침묵이 흘렀다.", "그때였다.", "바람이 불었다.", "아무도 대답하지 않았다.", "시간이 흘렀다.", "숨소리만 들렸다.",
  "그것뿐이었다.", "다시 정적.", "발소리가 멀어졌다.", "모두 말이 없었다.", "밤은 길었다.", "누군가 웃었다.",
  "그래도 괜찮았다.", "이상한 하루였다.", "그렇게 되었다.", "문이 닫혔다.",
]

const KO_TITLE: ReadonlyArray<(t: string) => string> = [
  (t) => t, (t) => t, (t) => t, (t) => t, (t) => `${t}의 밤`, (t) => `${t}, 그 후`, (t) => `다시, ${t}`,
  (t) => `${josa(t, "을")} 향해`, (t) => `${t}의 그림자`, (t) => `${josa(t, "과")} 함께`,
]

// ───────────────────────────── English phrase banks (fallback) ─────────────────────────────

const EN_OPEN = bank([
  "{TIME}, {P} was [quiet|restless|colder than anyone expected].", "{A} reached {P} {TIME}.", "The air in {P} [felt heavy|smelled of rain|was still]. {SENSE}",
])
const EN_SENSE = [
  "Somewhere a door closed with a dull sound.", "The wind pushed dust along the ground.", "A lamp flickered and steadied again.",
  "Far away, a dog barked and fell silent.", "The light slanted in and drew long shadows.", "Rain had left the air sharp and clean.",
  "A bird crossed the sky without a sound.", "The floorboards creaked underfoot.", "The silence pressed in like a heavy cloth.",
  "Clouds crept over the moon and slid away.", "Cold air brushed past like a warning.", "Far off, someone laughed and then stopped.",
]
const EN_TIME = ["At dawn", "Late in the afternoon", "Near midnight", "When the light began to fail", "Early in the morning", "After the rain", "At dusk", "In the small hours"]
const EN_NARR_A = bank([
  "{A} [paused|hesitated|waited], [turning|weighing] the thought over.", "{A} looked around {P} [slowly|carefully|once more].",
  "{A}'s {TR} showed [again|more clearly than usual].", "{A} [took a long breath|let out a sigh|rubbed tired eyes].",
  "For a moment {A} said nothing at all.", "{A} knew this would not be easy.", "{A} [pushed|forced] the doubt aside.",
  "Something like {EMO} rose in {A}'s chest.", "{A} [made a decision|set a jaw|straightened up].",
])
const EN_NARR_AB = bank([
  "{B} [watched|studied] {A} without a word.", "Between {A} and {B}, the silence grew heavy.", "{B} [shrugged|nodded|looked away].",
  "{A} waited for {B} to speak first.", "{B}'s {TRB} was hard to miss.",
])
const EN_LINES = bank([
  "So what do we do now?", "Say that again.", "I know. I know.", "Don't ask me anything yet.", "It's written all over your face.",
  "We don't have much time.", "This isn't over.", "Trust me, just this once.", "Then let's go, before it's too late.",
  "Is that really all?", "Someone has to do it.", "Thank you. I mean it.", "We were wrong from the start, maybe.",
  "Not here. Not in {P}.", "{KW}. That's the key.",
])
const EN_TAG = bank(["{A} said.", "{A} said quietly.", "{A} answered.", "{A} asked.", "{A} replied after a moment."])
const EN_THOUGHTS = bank(["Not like this.", "Stay calm. One thing at a time.", "They know something.", "Don't look back.", "Why now?", "{KW}. It all started there."])
const EN_MEMORY = bank(["{A} remembered {D} [suddenly|again].", "The memory of {D} would not fade.", "{D}'s absence felt larger than ever."])
const EN_CLOSE = bank(["And then someone knocked at the door.", "{A} did not know yet that it had only begun.", "Far away, footsteps were coming closer."])
const EN_EMO = ["fear", "relief", "doubt", "regret", "anger", "hope", "unease", "longing"]

// ───────────────────────────── the composer ─────────────────────────────

type Genre = "fantasy" | "noir" | "romance" | "generic"

const genreOf = (brief: WriterBrief): Genre => {
  const s = `${brief.genre} ${brief.tone}`.toLowerCase()
  if (/판타지|무협|fantasy|검|마법|wuxia/.test(s)) return "fantasy"
  if (/누아르|느와르|noir|스릴러|thriller|범죄|crime|추리|mystery|탐정/.test(s)) return "noir"
  if (/로맨|romance|코미디|comedy|로코|연애|rom-com/.test(s)) return "romance"
  return "generic"
}

const KEYWORD_STOP = new Set(["자신", "하나", "그것", "이것", "저것", "무엇", "누구", "우리", "모두", "사람", "생각", "순간", "모습", "사이", "동안", "정도", "때문", "앞에", "뒤에", "마음", "얼굴", "자리", "그녀", "그들", "이번", "다음", "처음", "마지막", "오늘", "내일", "어제"])

interface Actor {
  readonly c: Character
  readonly forms: ReadonlyArray<string>
  mentioned: boolean
}

/**
 * Phrase pools rotate: a bank of at least `ROTATION * 2` items is split into `ROTATION` partitions and
 * episode `e` draws from partition `e mod ROTATION` first, so the episodes just before it (the ones the
 * guard compares a draft with) used other phrases. A spent partition is reshuffled, never left: the
 * no-repeat rule within an episode (`Composer.say`) then asks for a new combination of its slots.
 */
const ROTATION = 4

const partitions = new Map<number, ReadonlyArray<ReadonlyArray<number>>>()
const partitionOf = (n: number, rotation: number): ReadonlyArray<number> => {
  let p = partitions.get(n)
  if (p === undefined) {
    const all = Array.from({ length: n }, (_, i) => i)
    p = Array.from({ length: ROTATION }, (_, r) => (n >= ROTATION * 2 ? all.filter((i) => i % ROTATION === r) : all))
    partitions.set(n, p)
  }
  return p[rotation]
}

/** Draws without replacement from its partition, reshuffled each round. */
class Deck<T> {
  private order: Array<number> = []
  private at = 0
  private readonly items: ReadonlyArray<T>
  private readonly part: ReadonlyArray<number>
  private readonly rng: Rng
  /** Uses left in this episode (templates: the sum of their caps over the partition). */
  left: number
  constructor(items: ReadonlyArray<T>, rng: Rng, rotation: number) {
    this.items = items
    this.rng = rng
    this.part = partitionOf(items.length, rotation)
    let left = 0
    for (const i of this.part) {
      const it = items[i] as unknown
      left += typeof it === "object" && it !== null && "cap" in it ? (it as Template).cap : Number.POSITIVE_INFINITY
    }
    this.left = left
  }
  get partSize(): number {
    return this.part.length
  }
  draw(): T {
    if (this.at >= this.order.length) {
      this.order = [...this.part]
      const n = this.order.length
      for (let i = n - 1; i > 0; i--) {
        const j = this.rng.int(i + 1)
        const t = this.order[i]
        this.order[i] = this.order[j]
        this.order[j] = t
      }
      this.at = 0
    }
    return this.items[this.order[this.at++]]
  }
}

type Para = { readonly lines: Array<string>; readonly kind: "recap" | "body" | "beat" | "close" | "break"; chars: number }

const lineChars = (s: string): number => {
  // Characters with spaces; our lines hold no line breaks, and Hangul, punctuation and the quotes are BMP.
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xdc00 && c <= 0xdfff) continue // low surrogate: counted with its pair
    n++
  }
  return n
}

interface Scene {
  readonly place: Place | null
}

class Composer {
  readonly brief: WriterBrief
  readonly rng: Rng
  readonly ko: boolean
  readonly genre: Genre
  readonly alive: ReadonlyArray<Actor>
  readonly dead: ReadonlyArray<Actor>
  readonly speakers: ReadonlyArray<Actor>
  readonly leads: ReadonlyArray<Actor>
  readonly beatActors: ReadonlyArray<Actor>
  readonly avoid: ReadonlyArray<string>
  readonly avoidRe: RegExp | null
  readonly keywords: ReadonlyArray<string>
  readonly rules: ReadonlyArray<string>
  readonly deadForms: ReadonlyArray<string>
  recapKeys: ReadonlyArray<string> = []
  readonly emitted = new Set<string>()
  readonly uses = new Map<Template, number>()
  readonly rotation: number
  private readonly decks = new Map<unknown, Deck<unknown>>()
  scene: Scene = { place: null }
  a: Actor | null = null
  b: Actor | null = null
  d: Actor | null = null
  x = ""

  constructor(brief: WriterBrief) {
    this.brief = brief
    this.rng = makeRng(draftSeed(brief))
    this.ko = brief.language === "ko" || brief.language.startsWith("ko-")
    this.genre = genreOf(brief)
    this.rotation = ((brief.episode % ROTATION) + ROTATION) % ROTATION
    const findings = brief.findingsToFix
    // A redraft avoids the evidence the guard quoted, besides the banned words.
    this.avoid = [
      ...brief.bannedWords,
      // the quotes around a quoted line are not part of what to avoid
      ...findings.flatMap((f) => (f.evidence !== undefined ? [f.evidence.text.trim().replace(/^[“‘"']+|[”’"']+$/g, "").trim()] : [])),
    ].filter((w) => w.length >= 2 || (w.length === 1 && /[^\s\p{P}]/u.test(w)))
    this.avoidRe = this.avoid.length === 0
      ? null
      : new RegExp(this.avoid.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"))
    const actors = brief.cast.map((c): Actor => ({
      c,
      forms: [c.name, ...c.aliases].filter((n) => n.trim().length > 0 && !this.avoided(n)),
      mentioned: false,
    })).filter((a) => a.forms.length > 0)
    this.alive = actors.filter((a) => a.c.status !== "dead")
    this.dead = actors.filter((a) => a.c.status === "dead")
    // A character the guard flagged in a finding's evidence does not speak in the redraft.
    const flagged = findings
      .filter((f) => f.category === "characterization" || f.category === "timeline-plot")
      .map((f) => `${f.evidence?.text ?? ""} ${f.message}`)
    this.speakers = this.alive.filter((a) => !flagged.some((t) => [a.c.name, ...a.c.aliases].some((n) => n.length >= 2 && t.includes(n))))
    const beat = brief.beat
    this.beatActors = this.alive.filter((a) => [a.c.name, ...a.c.aliases].some((n) => n.length >= 2 && beat.includes(n)))
    const leads = this.alive.filter((a) => /^(주인공|protagonist|main|lead)/i.test(a.c.role.trim()))
    this.leads = leads.length > 0 ? leads : this.alive.slice(0, 1)
    this.keywords = this.extractKeywords(beat)
    // a world rule that names a dead character would have them act
    const deadForms = this.dead.flatMap((a) => [a.c.name, ...a.c.aliases]).filter((n) => n.length >= 2)
    this.deadForms = deadForms
    this.rules = brief.worldRules.filter((r) => !deadForms.some((f) => r.includes(f)) && !this.avoided(r))
    this.x = this.ko ? KO_EXTRAS[this.genre][0] : "a stranger"
  }

  avoided(s: string): boolean {
    return this.avoidRe !== null && this.avoidRe.test(s)
  }

  deck<T>(items: ReadonlyArray<T>): Deck<T> {
    let d = this.decks.get(items) as Deck<T> | undefined
    if (d === undefined) {
      d = new Deck(items, this.rng, this.rotation)
      this.decks.set(items, d as Deck<unknown>)
    }
    return d
  }

  draw<T>(items: ReadonlyArray<T>): T {
    return this.deck(items).draw()
  }

  /** Nouns of the beat: words that carried a particle, minus names. */
  extractKeywords(beat: string): ReadonlyArray<string> {
    const names = this.brief.cast.flatMap((c) => [c.name, ...c.aliases]).filter((n) => n.length >= 2)
    const out: Array<string> = []
    for (const raw of beat.split(/[\s,.!?“”"'‘’…]+/)) {
      const m = /^([가-힣]{2,})(을|를|이|가|은|는|에서|에게|으로|로|와|과|의|에|도|까지|부터|처럼|만)$/.exec(raw)
      if (m === null) continue
      const w = m[1]
      if (w.endsWith("다") || KEYWORD_STOP.has(w)) continue
      if (names.some((n) => w.includes(n) || n.includes(w))) continue
      if (this.brief.places.some((p) => p.name.includes(w))) continue
      if (!out.includes(w) && !this.avoided(w)) out.push(w)
    }
    return out
  }

  // — naming —

  /** Full name on first mention, then the name or an alias (`…의 막내` is not followed by another `의`). */
  nameOf(a: Actor, particle: string): string {
    if (!a.mentioned) {
      a.mentioned = true
      return a.forms[0]
    }
    if (a.forms.length < 2 || !this.rng.chance(0.4)) return a.forms[0]
    const alias = a.forms[1 + this.rng.int(a.forms.length - 1)]
    return particle === "의" && alias.includes("의 ") ? a.forms[0] : alias
  }

  slot(name: string, particle = ""): string {
    const ko = this.ko
    switch (name) {
      case "A": return this.a !== null ? this.nameOf(this.a, particle) : this.x
      case "B": return this.b !== null ? this.nameOf(this.b, particle) : this.x
      case "D": return this.d !== null ? this.nameOf(this.d, particle) : ""
      case "X": return this.x
      case "P": return this.scene.place?.name ?? (ko ? "그곳" : "that place")
      case "ADV": return this.draw(KO_ADV)
      case "GES": return this.draw(KO_GES) + "."
      case "EMO": return this.draw(ko ? KO_EMO : EN_EMO)
      case "OBJ": return this.draw(KO_OBJ[this.genre])
      case "TR": return this.traitOf(this.a)
      case "TRB": return this.traitOf(this.b)
      case "KW": return this.keywords.length > 0 ? this.draw(this.keywords) : (ko ? "그 일" : "it")
      case "TIME": return this.draw(ko ? KO_TIME : EN_TIME)
      case "PADJ": return this.draw(KO_PADJ) + "."
      case "SENSE": return ko ? this.sense() : this.draw(EN_SENSE)
      case "R": return this.recapKeys.length > 0 ? this.draw(this.recapKeys) : (ko ? "그 일" : "it")
      case "RULE": return this.rules.length > 0 ? this.draw(this.rules) : ""
      default: return ""
    }
  }

  traitOf(a: Actor | null): string {
    const traits = a?.c.traits.filter((t) => t.trim().length > 0 && !this.avoided(t) && !this.deadForms.some((f) => t.includes(f))) ?? []
    if (traits.length === 0) return this.ko ? "고집" : "stubbornness"
    return traits[this.rng.int(traits.length)]
  }

  sense(): string {
    const own = KO_SENSE[this.genre]
    return own.length > 0 && this.rng.chance(0.55) ? this.draw(own) : this.draw(KO_SENSE_COMMON)
  }

  render(nodes: ReadonlyArray<Node>): string {
    let out = ""
    for (const node of nodes) {
      if (typeof node === "string") out += node
      else if ("slot" in node) {
        const v = this.slot(node.slot, node.particle)
        out += node.particle.length > 0 ? josa(v, node.particle) : v
      } else out += this.render(node.alt[this.rng.int(node.alt.length)])
    }
    return out
  }

  canUse(t: Template): boolean {
    const n = t.needs
    if ((n & NEED_B) !== 0 && this.b === null) return false
    if ((n & NEED_D) !== 0 && this.d === null) return false
    if ((n & NEED_KW) !== 0 && this.keywords.length === 0) return false
    return true
  }

  /** A fresh sentence from a bank: not said before in this episode, no banned word; null after a few failures. */
  say(templates: ReadonlyArray<Template>, maxFailures = 6): string | null {
    const deck = this.deck(templates)
    if (deck.left <= 0) return null
    let failures = 0
    for (let i = 0; i < deck.partSize + maxFailures; i++) {
      const t = deck.draw()
      if (!this.canUse(t)) continue
      const used = this.uses.get(t) ?? 0
      if (used >= t.cap) continue
      this.uses.set(t, used + 1)
      if (--deck.left <= 0) maxFailures = Math.min(maxFailures, failures + 1)
      let s = this.render(t.nodes)
      if (!this.ko && s.length > 0) s = s[0].toUpperCase() + s.slice(1)
      if (s.length === 0 || this.emitted.has(s) || this.avoided(s)) {
        if (++failures >= maxFailures) return null
        continue
      }
      this.emitted.add(s)
      return s
    }
    return null
  }

  /** A chunk (no sentence of its own): only the template caps apply. */
  sayChunk(templates: ReadonlyArray<Template>): string | null {
    const deck = this.deck(templates)
    if (deck.left <= 0) return null
    for (let i = 0; i < deck.partSize; i++) {
      const t = deck.draw()
      if (!this.canUse(t)) continue
      const used = this.uses.get(t) ?? 0
      if (used >= t.cap) continue
      this.uses.set(t, used + 1)
      deck.left--
      return this.render(t.nodes)
    }
    return null
  }

  sayAll(...banks: ReadonlyArray<ReadonlyArray<Template>>): Array<string> {
    const out: Array<string> = []
    for (const b of banks) {
      const s = this.say(b)
      if (s !== null) out.push(s)
    }
    return out
  }

  // — choosing who —

  pickFocus(): void {
    const pool = this.rng.chance(0.6) && this.leads.length > 0 ? this.leads : this.alive
    const a = pool.length > 0 ? pool[this.rng.int(pool.length)] : null
    this.a = a
    // a partner: preferably one the beat names, never the focus itself
    const from = this.beatActors.length > 0 && this.rng.chance(0.6) ? this.beatActors : this.alive
    let b: Actor | null = null
    for (let tries = 0; tries < 4 && from.length > 0; tries++) {
      const c = from[this.rng.int(from.length)]
      if (c !== a) {
        b = c
        break
      }
    }
    if (b === null) for (const c of this.alive) if (c !== a) { b = c; break }
    this.b = b
    if (this.dead.length > 0) this.d = this.dead[this.rng.int(this.dead.length)]
  }

  /** A new scene: its place (the beat's when it names one, with probability `beatPlace`) and its one extra. */
  newScene(beatPlace: number): void {
    this.x = this.ko ? this.draw(KO_EXTRAS[this.genre]) : "a stranger"
    const places = this.brief.places
    if (places.length === 0) {
      this.scene = { place: null }
      return
    }
    const inBeat = places.filter((p) => this.brief.beat.includes(p.name))
    const place = inBeat.length > 0 && this.rng.chance(beatPlace) ? inBeat[this.rng.int(inBeat.length)] : this.draw(places)
    this.scene = { place }
  }
}

// ───────────────────────────── Korean episode ─────────────────────────────

const para = (kind: Para["kind"], lines: Array<string>): Para => ({
  kind,
  lines,
  chars: lines.reduce((n, l) => n + lineChars(l), 0),
})

const koTitle = (k: Composer): string => {
  if (k.brief.episodeTitle !== null && k.brief.episodeTitle.trim() !== "") return k.brief.episodeTitle.trim()
  const beat = k.brief.beat
  const dead = k.dead.flatMap((a) => [a.c.name, ...a.c.aliases]).filter((n) => n.length >= 2)
  const tokens = beat.split(/[\s,.!?“”"'‘’…]+/).filter((t) => t.length > 0)
  let core: string | null = null
  for (let i = tokens.length - 1; i >= 0 && core === null; i--) {
    const m = /^([가-힣0-9]{1,})(을|를)$/.exec(tokens[i])
    if (m === null || m[1].length < 2) continue
    let phrase = m[1]
    const prev = i > 0 ? tokens[i - 1] : ""
    const ps = prev.length > 0 ? prev.charCodeAt(prev.length - 1) - HANGUL_FIRST : -1
    if (prev.endsWith("의") && prev.length >= 3) phrase = `${prev} ${phrase}`
    else if (ps >= 0 && ps <= 11171 && ps % 28 === 4 && prev.length >= 2 && !/있던|하던/.test(prev)) {
      const before = i > 1 ? tokens[i - 2] : ""
      phrase = /[어아여]$/.test(before) && before.length >= 2 ? `${before} ${prev} ${phrase}` : `${prev} ${phrase}`
    }
    else if (/^(옛|새|첫|헌|온갖)$/.test(prev)) phrase = `${prev} ${phrase}`
    if (!dead.some((n) => phrase.includes(n)) && !k.avoided(phrase)) core = phrase
  }
  if (core === null) {
    const place = k.brief.places.find((p) => beat.includes(p.name) && !k.avoided(p.name))
    core = place?.name ?? (k.keywords[0] ?? `${k.brief.episode}번째 밤`)
  }
  const patterns = core.includes("의 ") ? KO_TITLE.filter((f) => !f("X").includes("의")) : KO_TITLE
  const title = k.rng.pick(patterns)(core)
  return k.avoided(title) ? core : title
}

/**
 * A short recap of the previous episode. The summary is extractive (sentences of the previous episode),
 * so quoting it would copy a passage of a recent episode: the recap names its keywords instead, and
 * remembers a dead character it mentions.
 */
const koRecap = (k: Composer): Para | null => {
  const summary = k.brief.previousSummary?.trim()
  if (summary === undefined || summary.length === 0) return null
  k.recapKeys = k.extractKeywords(summary).slice(0, 6)
  k.pickFocus()
  const named = k.alive.filter((a) => [a.c.name, ...a.c.aliases].some((n) => n.length >= 2 && summary.includes(n)))
  if (named.length > 0) k.a = named[k.rng.int(named.length)]
  const s: Array<string> = []
  if (k.recapKeys.length >= 3) s.push(...k.sayAll(KO_RECAP))
  else if (k.recapKeys.length > 0) s.push(...k.sayAll(KO_RECAP_ONE))
  const gone = k.dead.filter((a) => [a.c.name, ...a.c.aliases].some((n) => n.length >= 2 && summary.includes(n)))
  if (gone.length > 0 && k.a !== null) {
    k.d = gone[0]
    s.push(...k.sayAll(KO_MEMORY))
  }
  s.push(...k.sayAll(KO_RECAP_TAIL))
  return s.length > 0 ? para("recap", [s.join(" ")]) : null
}

const koOpening = (k: Composer, beatPlace: number): Para => {
  k.newScene(beatPlace)
  k.pickFocus()
  const s = k.sayAll(KO_OPEN)
  if (k.rng.chance(0.8)) s.push(...k.sayAll(KO_DESC))
  return para("body", [s.join(" ")])
}

/** `[CONN] S [MOD] [ADV] PRED.` — the workhorse of the narration, built from short partitioned chunks. */
const koClause = (k: Composer, who: Actor | null = k.a, particle = "은"): string | null => {
  for (let attempt = 0; attempt < 4; attempt++) {
    const parts: Array<string> = []
    if (k.rng.chance(0.35)) parts.push(k.draw(KO_CONN))
    const saved = k.a
    const savedB = k.b
    // The chunk's {B} is always someone else than the subject.
    if (who !== null && who === k.b) k.b = saved !== who ? saved : null
    k.a = who
    parts.push(josa(k.slot("A", particle), particle))
    if (k.rng.chance(0.55)) {
      const mod = k.sayChunk(KO_MOD)
      if (mod !== null) parts.push(mod)
    }
    if (k.rng.chance(0.3)) parts.push(k.draw(KO_ADV))
    parts.push(k.rng.chance(0.5) ? k.draw(KO_GES) : k.draw(KO_PRED))
    k.a = saved
    k.b = savedB
    const s = parts.join(" ") + (parts[parts.length - 1].endsWith(".") ? "" : ".")
    if (!k.emitted.has(s) && !k.avoided(s)) {
      k.emitted.add(s)
      return s
    }
  }
  return null
}

const koAction = (k: Composer): Para => {
  k.pickFocus()
  const n = 2 + k.rng.int(3)
  const s: Array<string> = []
  for (let i = 0; i < n; i++) {
    const r = k.rng.next()
    const line = r < 0.3
      ? k.say(k.b !== null && k.rng.chance(0.5) ? KO_NARR_AB : KO_NARR_A)
      : koClause(k, r < 0.45 && k.b !== null ? k.b : k.a)
    if (line !== null) s.push(line)
  }
  return para("body", [s.join(" ")])
}

/** A speech tag: a manner and a verb, or a small act of the speaker. */
const koTag = (k: Composer, question: boolean): string | null => {
  const r = k.rng.next()
  if (r < 0.2) return k.say(question ? KO_TAG_ASK : KO_TAG_SAY)
  if (r < 0.45) return koClause(k, k.a, "이")
  for (let attempt = 0; attempt < 4; attempt++) {
    const verb = question && k.rng.chance(0.8) ? k.draw(KO_ASK_VERB) : k.draw(KO_SPEECH_VERB)
    const s = `${josa(k.slot("A", "이"), "이")} ${k.draw(KO_SPEECH_MANNER)} ${verb}.`
    if (!k.emitted.has(s) && !k.avoided(s)) {
      k.emitted.add(s)
      return s
    }
  }
  return null
}

const koDialogue = (k: Composer): Array<Para> => {
  k.pickFocus()
  const speakers = k.speakers.filter((x) => x === k.a || x === k.b)
  const voices: Array<Actor | null> = speakers.length >= 2 ? speakers : speakers.length === 1 ? [speakers[0], null] : [null]
  const turns = 2 + k.rng.int(2)
  const out: Array<Para> = []
  const lines = KO_LINES_ALL[k.genre]
  for (let i = 0; i < turns; i++) {
    const v = voices[i % voices.length]
    const saved = k.a
    k.a = v
    const line = k.say(lines)
    if (line !== null) {
      const lines = [`“${line}”`]
      if (k.rng.chance(0.7) || v === null) {
        const tag = koTag(k, /[?？]$/.test(line))
        if (tag !== null) lines.push(tag)
      }
      out.push(para("body", lines))
    }
    k.a = saved
  }
  return out
}

const koThought = (k: Composer): Para => {
  k.pickFocus()
  if (k.a === null) return para("body", [])
  const lines: Array<string> = []
  if (k.rng.chance(0.5)) {
    const lead = koClause(k)
    if (lead !== null) lines.push(lead)
  }
  const t = k.say(KO_THOUGHTS)
  if (t === null) return para("body", lines)
  lines.push(`‘${t}’`)
  const f = k.rng.chance(0.5) ? k.say(KO_THOUGHT_FRAME) : koClause(k)
  if (f !== null) lines.push(f)
  return para("body", lines)
}

const koRelation = (k: Composer): Para | null => {
  const alive = new Map(k.alive.map((a) => [a.c.id, a]))
  const rels = k.brief.relations.filter((r) => alive.has(r.from) && alive.has(r.to) && KO_REL[r.type] !== undefined)
  if (rels.length === 0) return null
  const r = k.draw(rels)
  k.pickFocus()
  k.a = alive.get(r.from) ?? null
  k.b = alive.get(r.to) ?? null
  const s = k.sayAll(KO_REL[r.type] ?? [])
  const c = koClause(k, k.rng.chance(0.5) ? k.a : k.b)
  if (c !== null) s.push(c)
  return s.length > 0 ? para("body", [s.join(" ")]) : null
}

const koMemory = (k: Composer): Para | null => {
  if (k.dead.length === 0) return null
  k.pickFocus()
  const s = k.sayAll(KO_MEMORY)
  if (k.rng.chance(0.5)) s.push(...k.sayAll(KO_MEMORY))
  if (k.a !== null) {
    const c = koClause(k)
    if (c !== null) s.push(c)
  }
  return s.length > 0 ? para("body", [s.join(" ")]) : null
}

const koRule = (k: Composer): Para | null => {
  if (k.rules.length === 0) return null
  k.pickFocus()
  const s = k.sayAll(KO_RULE)
  const c = koClause(k)
  if (c !== null) s.push(c)
  return s.length > 0 ? para("body", [s.join(" ")]) : null
}

const koKeyword = (k: Composer): Para | null => {
  if (k.keywords.length === 0) return null
  k.pickFocus()
  const s = k.sayAll(KO_KW)
  if (s.length === 0) return null
  const c = koClause(k, k.b ?? k.a)
  if (c !== null) s.push(c)
  return s.length > 0 ? para("body", [s.join(" ")]) : null
}

const koBeat = (k: Composer): Para | null => {
  k.pickFocus()
  const beat = k.brief.beat.trim()
  const names = (a: Actor) => [a.c.name, ...a.c.aliases].filter((n) => n.length >= 2)
  // The beat is told as it stands only when it names no dead character and no banned word.
  const usable = beat.length > 0 && !k.dead.some((a) => names(a).some((n) => beat.includes(n))) && !k.avoided(beat)
  const past = usable ? beatInPast(beat) : null
  const s: Array<string> = []
  const frame = k.say(KO_BEAT_FRAME)
  if (frame !== null) s.push(frame)
  if (past !== null && !k.emitted.has(past)) {
    const told = varyBeat(k, past)
    k.emitted.add(told)
    s.push(told)
  } else s.push(...k.sayAll(KO_KW))
  s.push(...k.sayAll(KO_BEAT_AFTER))
  return para("beat", [s.join(" ")])
}

const BEAT_ADVERBS = ["마침내", "결국", "끝내", "기어이", "이윽고", "뜻밖에도", "그날", "끝끝내", "그렇게", "기어코"]

/**
 * A beat repeats past the end of the outline; an adverb after its subject keeps the retelling from
 * being a copy of the last time.
 */
const varyBeat = (k: Composer, past: string): string => {
  const words = past.split(" ")
  for (let i = 0; i < words.length - 3; i++) {
    if (/[가-힣](은|는|이|가)$/.test(words[i]) && words[i].length >= 2) {
      const adv = BEAT_ADVERBS[k.rng.int(BEAT_ADVERBS.length)]
      if (words[i + 1] === adv) break
      return [...words.slice(0, i + 1), adv, ...words.slice(i + 1)].join(" ")
    }
  }
  return past
}

const koClose = (k: Composer): Para => {
  k.pickFocus()
  const s = k.say(KO_CLOSE, 12)
  return para("close", [s ?? "그리고 밤이 깊었다."])
}

type Step = (k: Composer) => Para | Array<Para> | null

const KO_STEPS: ReadonlyArray<readonly [Step, number]> = [
  [koAction, 3],
  [koDialogue, 2.2],
  [koThought, 1.4],
  [(k) => { k.pickFocus(); const s = k.sayAll(KO_DESC, KO_DESC); return s.length > 0 ? para("body", [s.join(" ")]) : null }, 0.9],
  [koRelation, 0.6],
  [koMemory, 0.5],
  [koKeyword, 0.8],
]

// ───────────────────────────── English episode (fallback) ─────────────────────────────

const enTitle = (k: Composer): string => {
  const words = k.brief.beat.replace(/[.,!?]/g, "").split(/\s+/).filter((w) => w.length > 3)
  return words.length > 0 ? words.slice(-2).join(" ").replace(/^\w/, (c) => c.toUpperCase()) : `Night ${k.brief.episode}`
}

const EN_STEPS: ReadonlyArray<readonly [Step, number]> = [
  [(k) => { k.pickFocus(); return para("body", [k.sayAll(EN_NARR_A, k.b !== null ? EN_NARR_AB : EN_NARR_A, EN_NARR_A).join(" ")]) }, 3],
  [(k) => {
    k.pickFocus()
    const out: Array<Para> = []
    for (let i = 0; i < 3; i++) {
      const saved = k.a
      if (i % 2 === 1 && k.b !== null) k.a = k.b
      const line = k.say(EN_LINES)
      if (line !== null) out.push(para("body", [`“${line}”`, ...k.sayAll(EN_TAG)]))
      k.a = saved
    }
    return out
  }, 3],
  [(k) => { k.pickFocus(); const t = k.say(EN_THOUGHTS); return t === null ? null : para("body", [`‘${t}’`, ...k.sayAll(EN_NARR_A)]) }, 1.2],
  [(k) => { k.pickFocus(); return k.d === null ? null : para("body", k.sayAll(EN_MEMORY)) }, 0.5],
  [(k) => { k.pickFocus(); return para("body", [`${k.draw(EN_SENSE)} ${k.draw(EN_SENSE)}`]) }, 0.8],
]

// ───────────────────────────── assembly ─────────────────────────────

/** A weighted lottery over the steps; a step that came back empty twice drops out (its banks are spent). */
const pickStep = (k: Composer, steps: ReadonlyArray<readonly [Step, number]>, misses: Array<number>): number => {
  let total = 0
  for (let i = 0; i < steps.length; i++) if (misses[i] < 2) total += steps[i][1]
  let r = k.rng.next() * total
  for (let i = 0; i < steps.length; i++) {
    if (misses[i] >= 2) continue
    r -= steps[i][1]
    if (r < 0) return i
  }
  return 0
}

/** Trims a paragraph from its end, sentence by sentence, to at most `room` characters; false if nothing is left. */
const trimTo = (p: Para, room: number): boolean => {
  while (p.chars > room && p.lines.length > 0) {
    const last = p.lines[p.lines.length - 1]
    const quoted = last.startsWith("“") || last.startsWith("‘")
    const cut = quoted ? -1 : Math.max(last.lastIndexOf(". ", last.length - 2), last.lastIndexOf("? ", last.length - 2), last.lastIndexOf("! ", last.length - 2))
    if (cut > 0) p.lines[p.lines.length - 1] = last.slice(0, cut + 1)
    else p.lines.pop()
    p.chars = p.lines.reduce((n, l) => n + lineChars(l), 0)
  }
  return p.lines.length > 0 && p.chars <= room
}

const SCENE_BREAK = "* * *"

const assemble = (k: Composer): string => {
  const { min, max } = k.brief.lengthBand
  const lo = Math.min(min, max)
  const hi = Math.max(min, max)
  const ko = k.ko
  const heading = ko ? `# 제${k.brief.episode}화 ${koTitle(k)}` : `# Episode ${k.brief.episode}: ${enTitle(k)}`
  const headChars = lineChars(heading)
  const paras: Array<Para> = []
  let total = headChars
  const push = (p: Para) => {
    if (p.lines.length === 0 || p.chars === 0) return
    paras.push(p)
    total += p.chars
  }

  const close = ko ? koClose(k) : para("close", [k.say(EN_CLOSE) ?? "And the night went on."])
  // Aim a little above the floor, so the end can be adjusted either way.
  const target = lo + Math.floor((hi - lo) * 0.35)
  const budget = target - close.chars

  if (ko) {
    const recap = koRecap(k)
    if (recap !== null && total + recap.chars <= budget) push(recap)
    push(koOpening(k, 0.85))
  } else {
    k.newScene(0.85)
    k.pickFocus()
    if (k.brief.previousSummary !== null && k.brief.previousSummary.length > 0) {
      push(para("recap", [k.brief.previousSummary.slice(0, 240)]))
    }
    push(para("body", k.sayAll(EN_OPEN)))
  }

  const steps = ko ? KO_STEPS : EN_STEPS
  const misses = steps.map(() => 0)
  let sceneTwo = false
  let sceneThree = false
  let beatDone = false
  let rules = 0
  let guard = 0
  while (total < budget && guard++ < 400) {
    const progress = (total - headChars) / Math.max(1, budget - headChars)
    let produced: Para | Array<Para> | null
    if (ko && !sceneTwo && progress >= 0.34) {
      sceneTwo = true
      produced = [para("break", [SCENE_BREAK]), koOpening(k, 1)]
    } else if (!beatDone && progress >= 0.5) {
      beatDone = true
      produced = ko ? koBeat(k) : para("beat", [k.brief.beat])
    } else if (ko && !sceneThree && progress >= 0.74) {
      sceneThree = true
      produced = [para("break", [SCENE_BREAK]), koOpening(k, 0.2)]
    } else if (ko && rules < 1 && progress > 0.15 && k.rng.chance(0.08)) {
      rules++
      produced = koRule(k)
    } else {
      const i = pickStep(k, steps, misses)
      produced = steps[i][0](k)
      const empty = produced === null || (Array.isArray(produced) ? produced.length === 0 : produced.lines.length === 0)
      if (empty && i !== 0) misses[i]++
    }
    const list = produced === null ? [] : Array.isArray(produced) ? produced : [produced]
    for (const p of list) {
      if (p.lines.length === 0) continue
      const room = hi - close.chars - total
      if (p.chars <= room) push(p)
      else if (p.kind !== "break" && trimTo(p, room)) push(p)
    }
  }
  if (!beatDone && k.brief.beat.length > 0) {
    const p = ko ? koBeat(k) : para("beat", [k.brief.beat])
    if (p !== null && trimTo(p, hi - close.chars - total)) push(p)
  }
  push(close)

  // Adjust: drop trailing sentences while above the band, add short ones while below it.
  const body = () => paras.filter((p) => p.kind === "body")
  let safety = 0
  while (total > hi && safety++ < 200) {
    const candidates = body()
    if (candidates.length === 0) break
    const p = candidates[candidates.length - 1]
    const before = p.chars
    const ok = trimTo(p, Math.max(0, p.chars - (total - hi)))
    if (!ok) {
      paras.splice(paras.indexOf(p), 1)
      total -= before
    } else total -= before - p.chars
  }
  const fillers = ko ? KO_FILLER : ["Silence.", "Then it passed.", "Nobody answered.", "The wind rose."]
  safety = 0
  while (total < lo && safety++ < 500) {
    const room = hi - total
    const fitting = fillers.filter((f) => lineChars(f) + 1 <= room && !k.avoided(f))
    const fresh = fitting.filter((f) => !k.emitted.has(f))
    const options = fresh.length > 0 ? fresh : fitting
    const candidates = body()
    if (options.length === 0 || candidates.length === 0) break
    const f = options[k.rng.int(options.length)]
    k.emitted.add(f)
    const p = candidates[k.rng.int(candidates.length)]
    const i = p.lines.length - 1
    if (p.lines[i].startsWith("“") || p.lines[i].startsWith("‘")) {
      p.lines.push(f)
      p.chars += lineChars(f)
      total += lineChars(f)
    } else {
      p.lines[i] = `${p.lines[i]} ${f}`
      p.chars += lineChars(f) + 1
      total += lineChars(f) + 1
    }
  }
  return [heading, ...paras.map((p) => p.lines.join("\n"))].join("\n\n")
}

/**
 * Composes one episode draft from a brief. Pure and deterministic: the same brief gives the same text.
 * The first line is `# 제N화 <title>` (Korean) or `# Episode N: <title>`.
 */
export const composeEpisode = (brief: WriterBrief): string => {
  const k = new Composer(normalizeBrief(brief))
  // Every input was normalised and the banks are NFC: the text is NFC as it stands.
  return assemble(k)
}

const nfc = (s: string) => s.normalize("NFC")

/** NFC for every text the composer copies, so its running count equals `countCharsWithSpaces`. */
const normalizeBrief = (b: WriterBrief): WriterBrief => ({
  ...b,
  beat: nfc(b.beat),
  previousSummary: b.previousSummary === null ? null : nfc(b.previousSummary),
  bannedWords: b.bannedWords.map(nfc),
  worldRules: b.worldRules.map(nfc),
  cast: b.cast.map((c) => ({ ...c, name: nfc(c.name), aliases: c.aliases.map(nfc), traits: c.traits.map(nfc), role: nfc(c.role) })),
  places: b.places.map((p) => ({ ...p, name: nfc(p.name), description: nfc(p.description) })),
  findingsToFix: b.findingsToFix.map((f) => (f.evidence === undefined ? f : { ...f, evidence: { ...f.evidence, text: nfc(f.evidence.text) } })),
})

// ───────────────────────────── the service ─────────────────────────────

/**
 * Token estimate from text length, as a tokenizer of the GPT-4o family roughly counts:
 * one token per Hangul syllable (Korean splits into about 1 token per syllable), and one per
 * four other characters (the usual rule of thumb for English and punctuation).
 */
export const estimateTokens = (text: string): number => {
  let hangul = 0
  let other = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= HANGUL_FIRST && c <= HANGUL_LAST) hangul++
    else other++
  }
  return hangul + Math.ceil(other / 4)
}

/**
 * The offline writer around a composer: `composeEpisode` here, or the same function on a stage
 * thread (see `src/pipeline/Stages.ts`); the answer is the same either way.
 */
export const makeWith = (compose: (brief: WriterBrief) => Effect.Effect<string>): LanguageModelShape => ({
  name: "offline",
  complete: (request: CompletionRequest): Effect.Effect<Completion, LlmFatalError> =>
    Effect.suspend(() => {
      const brief = request.brief
      if (request.stage !== "writer" || brief === undefined) {
        return Effect.fail(new LlmFatalError({ message: `the offline writer only composes episodes from a WriterBrief (stage '${request.stage}')` }))
      }
      return Effect.map(compose(brief), (text) => {
        const prompt = request.messages.length > 0
          ? request.messages.map((m) => m.content).join("\n")
          : JSON.stringify(brief)
        return {
          text,
          finishReason: "stop" as const,
          usage: { promptTokens: estimateTokens(prompt), cachedTokens: 0, completionTokens: estimateTokens(text) },
          model: OFFLINE_MODEL,
          provider: OFFLINE_PROVIDER,
        }
      })
    }),
})

export const make: LanguageModelShape = makeWith((brief) => Effect.sync(() => composeEpisode(brief)))

export const OfflineWriter = {
  make,
  makeWith,
  layer: Layer.succeed(LanguageModel, make),
  composeEpisode,
} as const
