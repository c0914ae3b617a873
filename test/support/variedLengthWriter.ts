/**
 * A chat model's writer as the length benchmark needs it: Korean prose about the prompt's own cast
 * and places, composed from a wide phrase bank (not the offline writer's episodes), whose length
 * it does not control exactly — each episode is drawn around a target with a spread, as real
 * models miss the asked length (σ ≈ 450 characters around a 5,000–5,500 band). It answers the
 * length repair's continuation request the same way: about the characters asked for, give or take.
 *
 * Everything is seeded by the request (episode, draft, seed): the same conversation gets the
 * same answer, which the simulator's `respond` hook requires.
 */
import { countCharsWithSpaces } from "../../src/domain/Episode.ts"
import { josa } from "../../src/text/Particles.ts"
import { mulberry32 } from "../../src/util/Prng.ts"

export interface ProseCast {
  readonly names: ReadonlyArray<string>
  readonly places: ReadonlyArray<string>
}

type Rnd = () => number

const TIMES = [
  "새벽녘", "해 질 무렵", "한밤중", "비가 그친 오후", "첫닭이 울 즈음", "장이 파할 무렵", "달이 기울 무렵", "점심나절", "안개가 걷힐 무렵",
  "등불이 하나둘 꺼질 때", "바람이 잦아든 저녁", "눈발이 흩날리던 아침", "종소리가 멎은 뒤", "물때가 바뀔 즈음", "늦은 오후",
]
const ADVERBS = [
  "조용히", "천천히", "망설임 없이", "숨을 죽인 채", "떨리는 손으로", "아무 말 없이", "느릿느릿", "서둘러", "머뭇거리다가", "고개를 숙인 채",
  "이를 악물고", "눈을 가늘게 뜨고", "어깨를 움츠리며", "한숨을 삼키고", "입술을 깨문 채", "낮게 웃으며", "주먹을 쥔 채", "가만히",
]
const OBJECTS = [
  "낡은 등잔", "젖은 편지", "녹슨 열쇠", "깨진 찻잔", "빛바랜 지도", "묵직한 보따리", "은빛 단검", "접힌 쪽지", "마른 약초 다발", "작은 나무 상자",
  "검은 깃털", "꺼진 화로", "찢어진 깃발", "오래된 장부", "붉은 끈", "금이 간 거울", "식은 국밥", "닳은 짚신", "구겨진 약도", "부러진 화살",
  "흙 묻은 장갑", "낡은 피리", "봉인된 두루마리", "빈 술병", "청동 방울", "얼룩진 손수건",
]
const ACTIONS = [
  "집어 들었다", "내려놓았다", "한참 바라보았다", "품속에 감추었다", "등 뒤로 숨겼다", "조심스레 펼쳤다", "손끝으로 쓸었다", "탁자 위에 올려 두었다",
  "불빛에 비추어 보았다", "다시 싸매었다", "멀리 던져 버렸다", "가슴에 끌어안았다", "말없이 건넸다", "발치에 떨어뜨렸다", "주머니에 밀어 넣었다",
]
const SCENE_WHERE = [
  "처마 끝에서", "멀리서", "골목 끝에서", "지붕 위로", "강 쪽에서", "창밖에서", "담장 너머에서", "우물가에서", "마당 한구석에서", "언덕 아래에서",
  "머리 위에서", "등 뒤 어딘가에서", "장터 쪽에서", "숲 가장자리에서",
]
const SCENE_WHAT = [
  "빗물이 떨어졌다", "개가 짖었다", "수레바퀴 소리가 났다", "찬바람이 불어왔다", "까마귀 떼가 날아올랐다", "풀벌레가 울기 시작했다", "종소리가 울렸다",
  "누군가 기침을 했다", "낙엽이 바스러졌다", "문짝이 삐걱거렸다", "아이들 웃음소리가 들렸다", "말발굽 소리가 지나갔다", "연기가 피어올랐다",
  "등불 하나가 꺼졌다", "젖은 흙냄새가 밀려왔다",
]
const scenery = (rnd: Rnd): string => `${pick(rnd, SCENE_WHERE)} ${pick(rnd, SCENE_WHAT)}`
const CONNECTORS = ["", "", "", "잠시 뒤 ", "그사이 ", "문득 ", "이윽고 ", "한동안 ", "그러다 ", "결국 ", "다시 ", "어느새 "]
const FEELINGS = [
  "가슴이 묘하게 두근거렸다", "목이 바싹 말랐다", "알 수 없는 불안이 밀려왔다", "오래 잊었던 기억이 떠올랐다", "등줄기가 서늘해졌다",
  "웃음이 새어 나올 뻔했다", "눈가가 뜨거워졌다", "손바닥에 땀이 배었다", "이상하게도 마음이 가라앉았다", "누군가의 시선이 느껴졌다",
]
const SAYINGS = [
  "여기서 멈출 수는 없어", "그 이야기는 나중에 하자", "정말 그게 다야", "너라면 알 거라고 생각했어", "조금만 더 기다려 줘", "이번에는 내가 갈게",
  "누가 먼저 약속을 어겼는지 생각해 봐", "그때 네가 없었다면 어땠을까", "문이 열리기 전에 끝내야 해", "나를 믿을 수 있겠어",
  "말하지 않아도 다 보여", "이 길 끝에 뭐가 있는지 알아", "괜히 따라왔다고 후회하지 마", "내일이면 늦어", "대답은 듣지 않아도 돼",
  "그 사람은 돌아오지 않을 거야", "오늘 밤은 여기서 쉬자", "네가 숨긴 걸 알고 있어",
]
const REPLIES = ["대답했다", "중얼거렸다", "되물었다", "속삭였다", "잘라 말했다", "웃으며 말했다", "한숨처럼 내뱉었다", "낮게 말했다"]
const HOOK_OPENINGS = ["그 순간,", "그리고 그때,", "바로 그때,", "하지만 그때,", "그런데 그때,", "그 찰나,"]
const HOOK_TWISTS = [
  (who: string, thing: string) => `${thing} 안쪽에서 ${josa(who, "이")} 알아서는 안 될 이름이 드러났다.`,
  (who: string, _thing: string) => `등 뒤에서 누군가 ${who}의 이름을 낮게 불렀다.`,
  (who: string, thing: string) => `${josa(who, "이")} 내려놓은 ${josa(thing, "이")} 사라지고 없었다.`,
  (who: string, _thing: string) => `멀리서 들려온 비명에 ${josa(who, "은")} 얼어붙었다.`,
  (who: string, thing: string) => `${josa(thing, "을")} 쥔 낯선 손이 ${who}의 어깨를 붙잡았다.`,
]

const pick = <A>(rnd: Rnd, xs: ReadonlyArray<A>): A => xs[Math.floor(rnd() * xs.length)]!

/** One sentence (or a line of dialogue with its tag), never the same twice in one answer. */
const sentence = (rnd: Rnd, cast: ProseCast): string => {
  const who = pick(rnd, cast.names)
  const other = pick(rnd, cast.names.filter((n) => n !== who).concat(cast.names.length > 1 ? [] : [who]))
  const place = cast.places.length > 0 ? pick(rnd, cast.places) : "마을"
  switch (Math.floor(rnd() * 8)) {
    case 0: return `${pick(rnd, TIMES)}, ${josa(who, "은")} ${place}에서 ${josa(pick(rnd, OBJECTS), "을")} ${pick(rnd, ADVERBS)} ${pick(rnd, ACTIONS)}.`
    case 1: return `${scenery(rnd)}. ${josa(who, "은")} ${pick(rnd, ADVERBS)} ${josa(other, "을")} 돌아보았다.`
    case 2: return `“${pick(rnd, SAYINGS)}.” ${josa(who, "이")} ${pick(rnd, REPLIES)}.`
    case 3: return `${josa(other, "은")} 대답 대신 ${josa(pick(rnd, OBJECTS), "을")} ${pick(rnd, ACTIONS)}. ${pick(rnd, FEELINGS)}.`
    case 4: return `${place}의 ${pick(rnd, TIMES)}은 유난히 ${pick(rnd, ["길게", "짧게", "낯설게", "고요하게", "무겁게", "쓸쓸하게"])} 느껴졌다. ${scenery(rnd)}.`
    case 5: return `“${pick(rnd, SAYINGS)}?” ${josa(other, "이")} ${pick(rnd, REPLIES)}. ${josa(who, "은")} ${pick(rnd, ADVERBS)} 고개를 저었다.`
    case 6: return `${josa(who, "은")} ${josa(pick(rnd, OBJECTS), "과")} ${josa(pick(rnd, OBJECTS), "을")} 번갈아 보았다. ${pick(rnd, FEELINGS)}.`
    default: return `${josa(who, "와")} ${josa(other, "은")} ${place} 쪽으로 ${pick(rnd, ADVERBS)} 걸음을 옮겼다. ${scenery(rnd)}.`
  }
}

/** Paragraphs of 2–5 sentences until about `target` characters, then a hook. */
const compose = (rnd: Rnd, cast: ProseCast, target: number, opening: string | undefined): string => {
  const used = new Set<string>()
  const paragraphs: Array<string> = opening === undefined ? [] : [opening]
  let length = opening === undefined ? 0 : countCharsWithSpaces(opening)
  const hook = `${pick(rnd, HOOK_OPENINGS)} ${pick(rnd, HOOK_TWISTS)(pick(rnd, cast.names), pick(rnd, OBJECTS))}`
  while (length + hook.length < target) {
    const lines: Array<string> = []
    const count = 2 + Math.floor(rnd() * 4)
    for (let tries = 0; lines.length < count && tries < 50; tries++) {
      const s = `${pick(rnd, CONNECTORS)}${sentence(rnd, cast)}`
      if (used.has(s)) continue
      used.add(s)
      lines.push(s)
    }
    const paragraph = lines.join(" ")
    paragraphs.push(paragraph)
    length += paragraph.length + 2
  }
  paragraphs.push(hook)
  return paragraphs.join("\n\n")
}

/** A normal draw (Box–Muller) from `rnd`. */
const normal = (rnd: Rnd, mean: number, sigma: number): number =>
  mean + sigma * Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd())

export interface LengthSpread {
  /** Where the drafts' lengths centre (characters). */
  readonly centre: number
  /** Their standard deviation (0: every draft at the centre). */
  readonly sigma: number
}

/** An episode with a title line, its length drawn from `spread`. */
export const variedEpisode = (cast: ProseCast, episode: number, seed: number, spread: LengthSpread): string => {
  const rnd = mulberry32(seed)
  const target = Math.max(800, Math.round(normal(rnd, spread.centre, spread.sigma)))
  return `# 제${episode}화\n\n${compose(rnd, cast, target, undefined)}`
}

/** A continuation of about `asked` characters: a model gives 70–130 % of what it is asked for. */
export const variedContinuation = (cast: ProseCast, seed: number, asked: number): string => {
  const rnd = mulberry32(seed)
  return compose(rnd, cast, Math.max(100, Math.round(asked * (0.7 + 0.6 * rnd()))), undefined)
}

/** The living cast of the episode (its `- **name**: state` lines, the dead left out) and the places the writer's prompt names. */
export const castOfPrompt = (prompt: string): ProseCast => {
  const section = (title: RegExp): string => {
    const start = prompt.search(title)
    if (start < 0) return ""
    const rest = prompt.slice(start)
    const end = rest.slice(3).search(/\n## /)
    return end < 0 ? rest : rest.slice(0, end + 3)
  }
  const names = [...section(/^## Cast of this episode/m).matchAll(/^- \*\*(.+?)\*\*: (.*)$/gm)]
    .filter((m) => !m[2]!.startsWith("☠"))
    .map((m) => m[1]!)
  const places = [...section(/^## Places/m).matchAll(/^- \*\*(.+?)\*\* \(id:/gm)].map((m) => m[1]!)
  return { names, places }
}
