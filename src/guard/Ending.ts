/**
 * What an episode's ending does to the reader: the kind of hook its last sentences hold, or that
 * they close the story down (`flat`), or neither (`plain`).
 *
 * Only the tail of the text is read (the last {@link TAIL_CHARS} characters, cut back to a line
 * start), so the cost does not grow with the episode. Of its sentences with a letter, the last
 * {@link LOOKBACK} are read from the end backwards and the first that is not `plain` decides: a
 * flat line followed by a sudden arrival ("그렇게 하루가 저물었다. 그때, 문이 열렸다.") is a hook,
 * a danger followed by the hero falling asleep is flat.
 *
 * Any language: a line of dialogue (quoted) ends on a `question`, an `ellipsis` or is `dialogue`
 * (an unresolved line: only when nothing but a Korean speech tag comes after it); narration ending
 * on ? or … is a `question` or an `ellipsis`. Korean only:
 * the words of a sudden `arrival` (그때, 문이 열렸다, 발소리), a `reveal` (정체, 다름 아닌, 그리고
 * 보았다), `danger` (칼끝, 비명, 불길) or `suspense` (아직 몰랐다, 끝이 아니었다, 누군가), and
 * those of a closing line (`flat`: 하루가 저물었다, 잠자리에 들었다, 평화로운 밤이었다). In one
 * sentence holding both, the cue that comes later wins: "잠이 들려는 순간, 전화가 울렸다" hooks,
 * "위험했던 하루가 저물었다" closes.
 */
import type { Span } from "../text/Sentences.ts"
import { splitSentences } from "../text/Sentences.ts"
import { SPEECH_VERB } from "./Lexicon.ts"

export type HookKind = "question" | "dialogue" | "ellipsis" | "arrival" | "reveal" | "danger" | "suspense"
export type EndingKind = HookKind | "flat" | "plain"

export const isHook = (kind: EndingKind): kind is HookKind => kind !== "flat" && kind !== "plain"

export interface Ending {
  readonly kind: EndingKind
  /** The sentence that decided the kind (the last sentence when `plain`). */
  readonly cue: Span
  /** The last sentence with a letter. */
  readonly last: Span
}

/** How much of the end is read: a web-novel episode's last beat fits in it. */
export const TAIL_CHARS = 500
/** How many of the last sentences may decide the ending. */
export const LOOKBACK = 3

/** A sentence that tags the line before it as speech (`백린이 낮게 속삭였다.`). */
const SPEECH_TAG = new RegExp(SPEECH_VERB.source)

const OPENING_QUOTES = new Set(["“", "‘", "\"", "'", "「", "『", "《"])
/** Closing quotes and brackets after a sentence's final mark. */
const TRAILING_CLOSERS = /[”’"'」』》)\]\s]+$/u
const HAS_LETTER = /\p{L}/u

// The cue lists are plain Hangul of the BMP: their regexps do without the `u` flag, which is slower.

/** Closing lines: the day ends, someone goes to sleep, peace, a wrap-up of the journey or the mood. */
const FLAT = new RegExp(
  [
    "하루가 (?:저물|끝나|끝났|지나|마무리|저물어)",
    "하루를 (?:마무리|마쳤|마감|정리했|보냈)",
    "(?:밤|날|해)이 (?:저물었|저물어 갔|깊어 갔|깊어갔|깊어만 갔|깊어졌)",
    "해가 (?:저물었|졌다|넘어갔)",
    "잠자리에 (?:들|누)",
    "(?:깊은 |단)?잠에 (?:들었|빠졌|빠져)",
    "잠이 들었|잠들었|잠을 청했|꿈나라",
    "침대에 (?:누웠|몸을 뉘|몸을 눕)",
    "(?:좋은|즐거운|행복한|평범한|무난한|완벽한|긴|길었던|소중한) (?:날|하루)(?:이었|였)다",
    "(?:평화로운|평온한|고요한|조용한|따뜻한|훈훈한|행복한) (?:밤|하루|저녁|아침|시간)(?:이었|이 (?:지나|흘러|저물)|을 보냈|가 (?:지나|흘러|저물))",
    "무사히 (?:끝|지나|마무리|마쳤)",
    "(?:여정|모험|이야기|일상|하루하루|나날)(?:은|는|이|가)? (?:그렇게 |계속 |다시 )?(?:계속되었|계속됐|계속될 것|이어졌|이어질 것|흘러갔)",
    "(?:끝났|지나갔|흘러갔|마무리되었|마무리됐|막을 내렸)다\\.?$",
    "내일(?:은|을|도|이) [^.]*(?:기약|기대하|될 것|시작될|올 것|밝을 것)",
    "(?:마음|발걸음|어깨)이 (?:한결 |조금 |한층 )?(?:가벼워|편안해|따뜻해|훈훈해)",
    "함께라면 [^.]*(?:두렵지 않|괜찮|이겨낼|무엇이든)",
    "(?:이것|그것|그거)(?:으로|면|만으로도) 충분했",
    "모든 것이 (?:괜찮을|잘 될|잘될|평화로|제자리를 찾)",
    "웃음소리가 (?:끊이지 않|가득|울려 퍼졌)",
    "미소를 (?:지으며|머금은 채|띤 채) (?:잠|눈을 감|잠자리)",
  ].join("|"),
  "g",
)

const ARRIVAL = new RegExp(
  [
    "바로 그때", "그때[,였]", "그 순간", "그 찰나", "찰나", "순간,", "갑자기", "느닷없이", "별안간", "난데없이",
    "문이 (?:벌컥 |덜컥 |천천히 |스르르 |활짝 )?열", "문을 (?:두드|박차|걷어차|벌컥)", "노크", "초인종",
    "(?:전화|휴대폰|핸드폰|전화기|벨)(?:이|가) (?:울|왔|진동)", "발소리", "인기척", "기척이", "목소리가 (?:들려|들렸|울렸)",
    "나타났", "들이닥", "찾아왔", "모습을 드러냈", "뛰어들어", "들어섰", "도착했", "불쑥", "불현듯",
  ].join("|"),
  "g",
)

const REVEAL = new RegExp(
  [
    "정체", "사실은", "사실이었", "(?:였|이었)다니", "다름 아닌", "다름 아니라", "알아차렸", "깨달았", "비밀",
    "(?:그리고|그제야|마침내) [^.]*보았다", "눈앞에", "믿을 수 없", "살아 있었", "살아있었", "죽은 줄", "(?:이름|글씨|문양)이 (?:적혀|새겨)",
    "낯익은", "얼굴이었", "바로 [^.]*(?:였|이었)다", "달라져 있었",
  ].join("|"),
  "g",
)

const DANGER = new RegExp(
  [
    "칼날", "칼끝", "검끝", "검날", "총구", "총성", "총소리", "비명", "(?<![가-힣])(?:피가|피를|피로|핏)", "화살", "불길", "폭발", "무너",
    "쓰러지", "쓰러졌", "쓰러뜨", "위험", "함정", "포위", "살기", "겨누", "겨눴", "목을 조", "목에 닿", "숨통", "괴물", "습격", "둘러싸", "에워싸", "고꾸라",
  ].join("|"),
  "g",
)

const SUSPENSE = new RegExp(
  [
    "아직 몰랐", "몰랐다", "알지 못했", "알 리 (?:없|가 없)", "모른 채", "모르고 있었", "눈치채지 못", "시작에 불과", "끝이 아니", "끝나지 않았",
    "폭풍 전", "기다리고 있(?:었|을)", "다가오고 있", "번지고 있", "지켜보고 있", "노리고 있", "불길한", "예감", "겉으로는", "누군가", "무언가",
    "그림자", "돌이킬 수 없", "마지막이 될", "이제부터", "아는 (?:사람|이)(?:은|는)? 아무도", "아무도 몰랐",
  ].join("|"),
  "g",
)

/**
 * A punchline naming what it was: one word, or "X의 Y" ("흑월회였다.", "마진혁의 반지였다."), when
 * nothing closes in it ("긴 하루였다."). Not a verb in -였다 after its subject or object
 * ("윤하가 속삭였다.", "고개를 숙였다.").
 */
const PUNCHLINE = /^(?:\S+의\s)?\S{2,}(?:였|이었)다\.?$/u

const HOOK_CUES: ReadonlyArray<readonly [HookKind, RegExp]> = [
  ["arrival", ARRIVAL],
  ["reveal", REVEAL],
  ["danger", DANGER],
  ["suspense", SUSPENSE],
]

/** Where the last match of `re` in `s` ends; -1 without one. */
const lastMatchEnd = (re: RegExp, s: string): number => {
  re.lastIndex = 0
  let end = -1
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    end = m.index + m[0].length
    if (m[0].length === 0) re.lastIndex++
  }
  return end
}

/** The kind of one sentence. */
export const sentenceKind = (sentence: string, korean: boolean): EndingKind => {
  const bare = sentence.replace(TRAILING_CLOSERS, "")
  const quoted = OPENING_QUOTES.has(sentence[0] ?? "")
  if (/[?？]$/u.test(bare)) return "question"
  if (/(?:…|\.\.\.|‥|—|―|-{2,})$/u.test(bare)) return "ellipsis"
  if (quoted) return "dialogue"
  if (!korean) return "plain"
  // a question asked in narration without its mark: "…알고 있었을까.", "…누구인가."
  if (/(?:까|는가|던가|인가|은가)[.…]?$/u.test(bare)) return "question"
  let hook: HookKind | undefined
  let hookEnd = -1
  for (const [kind, re] of HOOK_CUES) {
    const end = lastMatchEnd(re, sentence)
    // a later cue wins; among cues ending at the same place, the order of HOOK_CUES
    if (end > hookEnd) {
      hook = kind
      hookEnd = end
    }
  }
  const flatEnd = lastMatchEnd(FLAT, sentence)
  if (flatEnd >= 0 && flatEnd >= hookEnd) return "flat"
  return hook ?? (PUNCHLINE.test(sentence) ? "reveal" : "plain")
}

/** The sentences of the text's tail with a letter (a `* * *` or `---` line is no ending). */
const tailSentences = (text: string): Array<Span> => {
  let from = Math.max(0, text.length - TAIL_CHARS)
  if (from > 0) {
    const lineStart = text.indexOf("\n", from)
    // a last paragraph longer than the tail: its first sentence may be cut, so it is dropped below
    from = lineStart >= 0 && lineStart < text.length - 1 ? lineStart + 1 : from
  }
  const cutMidLine = from > 0 && text[from - 1] !== "\n"
  const sentences = splitSentences(text.slice(from))
    .map((s) => ({ start: s.start + from, end: s.end + from, text: s.text }))
    .filter((s) => HAS_LETTER.test(s.text) && !s.text.startsWith("#"))
  return cutMidLine ? sentences.slice(1) : sentences
}

/** The ending of a text, or undefined when it has no sentence with a letter. */
export const endingOf = (text: string, korean: boolean): Ending | undefined => {
  const sentences = tailSentences(text)
  const last = sentences.at(-1)
  if (last === undefined) return undefined
  let narrationAfter = false
  for (let i = sentences.length - 1; i >= 0 && i >= sentences.length - LOOKBACK; i--) {
    const cue = sentences[i]!
    const kind = sentenceKind(cue.text, korean)
    if (kind === "plain") {
      narrationAfter ||= !SPEECH_TAG.test(cue.text)
      continue
    }
    // a line of dialogue is left open only when the episode stops on it (a speech tag aside):
    // narration after it answers or closes it ("“잘 자.” 소율은 불을 껐다.")
    if (kind === "dialogue" && narrationAfter) continue
    return { kind, cue, last }
  }
  return { kind: "plain", cue: last, last }
}
