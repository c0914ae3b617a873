/**
 * noir_dialogue: hard-boiled dialogue for modern noir — clipped lines, few adverbs.
 *
 * - Writer: a prompt addition describing the style.
 * - Editor: a conservative transform. Only dialogue-tag lines (a narration line
 *   right after a line of dialogue, short, ending in a speech verb) are
 *   touched, and only a manner adverb standing right before the speech verb
 *   is dropped: `노상철이 천천히 속삭였다.` → `노상철이 속삭였다.` Dialogue and
 *   other narration are never changed.
 *
 * Options: `adverbs: [...]` replaces the adverb list; `prompt: false` drops the prompt addition.
 */
import type { PluginPipeline } from "../../src/plugins/PluginApi.ts"

export const DEFAULT_ADVERBS: ReadonlyArray<string> = [
  "천천히", "조용히", "나직이", "나지막이", "가만히", "살며시", "슬며시", "슬그머니", "부드럽게", "조심스럽게", "조심스레",
  "느릿하게", "느릿느릿", "무심하게", "덤덤하게", "담담하게", "상냥하게", "다정하게", "차분하게", "지그시", "힘주어",
]

const SPEECH = "(?:말했|말한다|되물었|물었|묻는다|대답했|대답한다|답했|답한다|외쳤|외친다|소리쳤|속삭였|속삭인다|중얼거렸|중얼거린다|덧붙였|덧붙인다|말을 이었|입을 열었|대꾸했|투덜거렸|말끝을 흐렸|읊조렸|내뱉었|쏘아붙였)"

const isDialogue = (line: string): boolean => /^\s*[“"「‘']/.test(line)

/** Drops manner adverbs right before a speech verb on dialogue-tag lines. */
export const trimDialogueAdverbs = (text: string, adverbs: ReadonlyArray<string> = DEFAULT_ADVERBS): string => {
  if (adverbs.length === 0) return text
  const escaped = adverbs.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")
  const re = new RegExp(`(^|\\s)(?:${escaped})\\s+(?=${SPEECH})`, "g")
  const lines = text.split("\n")
  let previousDialogue = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === "") continue // a blank line between the quote and its tag still counts as "right after"
    const dialogue = isDialogue(line)
    if (!dialogue && previousDialogue && [...line].length <= 80 && !line.trimStart().startsWith("#")) {
      lines[i] = line.replace(re, "$1")
    }
    previousDialogue = dialogue
  }
  return lines.join("\n")
}

const strings = (value: unknown): ReadonlyArray<string> | undefined =>
  Array.isArray(value) ? value.filter((s): s is string => typeof s === "string" && s.trim() !== "") : undefined

export const register = (pipeline: PluginPipeline): void => {
  pipeline.promptAdditions((ctx) =>
    ctx.options["prompt"] === false ? [] : [
      "하드보일드 문체: 대사는 짧게 끊는다. 한 줄에 한 문장, 설명하지 않고 말끝을 자른다.",
      "대사 태그에는 부사를 붙이지 않는다(‘천천히 말했다’ 대신 ‘말했다’). 감정은 행동과 침묵으로 보여 준다.",
    ]
  )
  pipeline.transformText((text, ctx) => trimDialogueAdverbs(text, strings(ctx.options["adverbs"]) ?? DEFAULT_ADVERBS))
}
