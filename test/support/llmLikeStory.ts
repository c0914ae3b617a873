/**
 * A small story and the answers a real chat model gives for it, written by hand (not by the offline
 * writer): varied prose and dialogue, a character and a place met for the first time, a death in the
 * text, the chat wrapping models put around an episode, a dead character who acts again, and a copy
 * of an earlier episode. The fake OpenAI-compatible provider of the story-memory tests answers with
 * these; each is labelled with what it is meant to make the factory do.
 */
import type { Bible } from "../../src/domain/Bible.ts"
import type { Project } from "../../src/domain/Project.ts"

export const STORY_SLUG = "ash-road"

export const storyProject = (): Project => ({
  slug: STORY_SLUG,
  title: "잿빛 길",
  genre: "fantasy",
  language: "ko",
  seed: 11,
  premise: "달의 문을 지키던 가문의 딸 서윤이 부러진 검을 고치러 길을 떠난다.",
  tone: "담담하고 쓸쓸하게",
  styleRules: [],
  bannedWords: ["대박"],
  lengthBand: { min: 400, max: 2_000 },
  beats: [
    "서윤과 도하가 검을 고치러 대장간을 찾는다",
    "문지기의 옛 서약이 밝혀진다",
    "습격 속에서 도하가 서윤을 지킨다",
    "서윤이 홀로 달의 문으로 향한다",
    "문 앞에서 미라가 기다린다",
    "보름달이 뜬다",
  ],
  createdAt: 1_700_000_000_000,
})

export const storyBible = (): Bible => ({
  characters: [
    { id: "seoyun", name: "서윤", aliases: [], role: "주인공", status: "alive", traits: ["고집이 세다"], firstEpisode: 0 },
    { id: "doha", name: "도하", aliases: [], role: "서윤의 동료", status: "alive", traits: ["말수가 적다"], firstEpisode: 0 },
    { id: "mira", name: "미라", aliases: [], role: "문지기의 스승", status: "alive", traits: [], firstEpisode: 0 },
  ],
  places: [
    { id: "mulgol", name: "물골", description: "강가의 마을" },
    { id: "moon-gate", name: "달의 문", description: "언덕 위의 돌 아치" },
  ],
  factions: [],
  items: [],
  worldRules: ["달의 문은 보름달에만 열린다."],
  relations: [{ from: "seoyun", to: "doha", type: "KNOWS", since: 0 }],
  events: [],
})

/** Episode 1: a blacksmith and her village enter the story, named only in the text. */
export const EPISODE_1 = `# 제1화 붉은바위의 대장간

새벽안개가 물골의 지붕을 천천히 적셨다. 서윤은 낡은 외투를 여미며 강둑을 따라 걸었다. 젖은 자갈이 발밑에서 미끄러졌지만 그녀는 걸음을 늦추지 않았다.

도하는 몇 걸음 뒤에서 투덜거렸다.

"이렇게 이른 시간에 꼭 가야 해?"

"보름 전에 검을 고쳐야 하니까."

해가 산등성이에 걸릴 무렵, 두 사람은 붉은바위 마을이라는 곳에 닿았다. 바위산 아래 낮은 집들이 모여 있었고, 그 사이로 검은 연기가 가늘게 피어올랐다. 연기를 따라가자 작은 대장간이 나왔다.

대장간 안에서는 하은이라는 여인이 망치를 내리치고 있었다. 어깨가 넓었고 손등에는 오래된 화상 자국이 남아 있었다. 하은은 손님을 보고도 망치질을 멈추지 않았다.

"기다려요. 이 쇠가 식으면 처음부터 다시 해야 하거든."

마지막 망치질이 끝나자 쇳덩이가 물통 속에서 날카롭게 울었다. 하은은 그제야 앞치마에 손을 닦고 서윤이 내민 검을 받아 들었다. 부러진 자리를 엄지로 쓸어 보던 그녀의 눈썹이 조금 올라갔다.

"달의 문 쪽 사람들이 쓰던 검이네요. 이런 쇠는 오랜만이에요."

"고칠 수 있나요?"

"사흘. 그 전에는 안 돼요."

도하가 무어라 말하려 했지만 서윤이 먼저 고개를 끄덕였다. 사흘이면 보름까지 겨우 맞출 수 있었다. 대장간 밖으로 나오자 바람에 쇳가루 냄새가 섞여 있었다. 서윤은 붉게 물든 바위산을 오래 올려다보았다.`

/** Episode 2, wrapped as chat models wrap an answer: a preamble, a fence and a sign-off around the prose. */
export const EPISODE_2_WRAPPED = `물론입니다! 요청하신 2화를 작성해 드리겠습니다.

\`\`\`markdown
# 제2화 오래된 서약

사흘째 밤, 하은은 다 고친 검을 화로 불빛 아래 내려놓았다. 칼날에는 서윤이 처음 보는 문양이 새겨져 있었다.

"이건 내가 새긴 게 아니에요. 쇠를 달구니까 저절로 떠올랐어요."

서윤은 문양을 손끝으로 더듬었다. 어릴 적 미라의 방 벽에서 본 것과 같은 모양이었다. 문지기들이 문 앞에서 나누던 서약의 표식이었다.

도하는 창가에 기대어 밖을 살폈다. 마을 어귀에서 개들이 한꺼번에 짖기 시작했다가 갑자기 조용해졌다.

"누가 오고 있어."

"이 시간에?"

"횃불이 셋. 아니, 넷."

하은은 말없이 화로의 불을 덮었다. 대장간 안이 순식간에 어두워졌다. 서윤은 검을 허리에 차고 숨을 죽였다. 낯선 발소리가 자갈길을 밟으며 천천히 다가오고 있었다.

서약의 표식은 어둠 속에서도 희미하게 빛나고 있었다. 서윤은 그것이 누군가를 부르는 신호일지도 모른다는 생각을 떨칠 수 없었다.
\`\`\`

이 에피소드가 마음에 드셨으면 좋겠습니다. 수정이 필요하시면 말씀해 주세요!`

/** Episode 3: 도하 dies in the text. No beat marker says so. */
export const EPISODE_3 = `# 제3화 잿빛 새벽

습격은 새벽 직전에 시작되었다. 창문이 깨지고 불붙은 화살이 대장간 지붕에 박혔다. 하은이 물통을 들어 불길을 덮는 사이 도하는 문 앞을 막아섰다.

"서윤, 뒷문으로 가!"

서윤은 검을 뽑았다. 다시 이어 붙인 칼날이 불빛을 받아 하얗게 번뜩였다. 그녀는 도하의 등을 보고 잠시 망설였다.

"같이 가."

"내가 막는 동안만이야. 어서!"

검은 옷의 사내들이 문을 밀고 들어왔다. 도하는 첫 번째 사내의 칼을 받아 냈고 두 번째 사내를 어깨로 밀쳐 냈다. 그러나 세 번째 칼날이 그의 옆구리를 깊게 파고들었다.

서윤이 비명을 지르며 달려들었다. 사내들은 검의 문양을 보더니 서로 눈짓을 주고받고는 어둠 속으로 물러났다. 그들이 찾던 것은 처음부터 사람이 아니라 검이었던 모양이었다.

도하는 서윤의 품에 기대어 가쁜 숨을 몰아쉬었다. 피가 그녀의 소매를 적시며 번져 갔다.

"검은…… 잘 고쳐졌네."

"말하지 마. 하은이 금방 올 거야."

도하는 희미하게 웃었다. 그리고 서윤의 품에서 조용히 숨을 거두었다. 동이 트기 시작한 하늘은 잿빛이었다. 하은이 약초 꾸러미를 들고 돌아왔을 때, 서윤은 아무 말도 하지 못한 채 그를 안고 있었다.`

/** Episode 4, first draft: the dead 도하 fights and speaks again. The guard must reject it. */
export const EPISODE_4_DEAD_ACTS = `# 제4화 혼자 걷는 길

서윤은 하은에게 작별을 고하고 홀로 길을 나섰다. 바위산을 넘는 길은 좁고 가팔랐다. 바람이 불 때마다 잿빛 먼지가 일었다.

고개 중턱에서 누군가 그녀를 불러 세웠다. 도하가 바위 위에 앉아 있다가 천천히 일어섰다.

"혼자 가려고?"

도하가 검을 뽑아 들며 말했다. 그는 앞장서서 가파른 비탈을 성큼성큼 올라갔다. 서윤은 그의 뒤를 따랐다.

"달의 문까지는 이틀이야. 쉬지 않고 가면 하루 반."

"쉬어야 해. 너도 다쳤잖아."

도하가 고개를 저으며 웃었다. 두 사람은 해가 질 때까지 말없이 걸었다. 밤이 되자 도하가 마른 나뭇가지를 모아 불을 피웠다. 불꽃이 튀어 오를 때마다 서윤은 검의 문양을 내려다보았다. 문양은 여전히 희미하게 빛나고 있었다.

"저 빛, 점점 밝아지는 것 같지 않아?"

도하가 불 너머에서 물었다. 서윤은 대답 대신 검을 칼집에 넣었다. 멀리서 늑대 울음이 길게 이어졌다.`

/** Episode 4, second draft: 서윤 alone; 도하 only remembered, under an explicit frame. */
export const EPISODE_4 = `# 제4화 혼자 걷는 길

서윤은 하은에게 작별을 고하고 홀로 길을 나섰다. 바위산을 넘는 길은 좁고 가팔랐다. 바람이 불 때마다 잿빛 먼지가 일었다.

고개 중턱의 너럭바위에 이르자 그녀는 걸음을 멈췄다. 도하가 늘 쉬어 가자고 조르던 자리와 닮아 있었다. 서윤은 그가 투덜거리던 목소리를 떠올렸다. 기억 속의 도하는 언제나 몇 걸음 뒤에서 따라오고 있었다.

그녀는 고개를 저어 생각을 떨쳐 냈다. 달의 문까지는 이틀이었다. 쉬지 않고 가면 하루 반이면 닿을 수 있었다.

해가 질 무렵 서윤은 마른 나뭇가지를 모아 불을 피웠다. 불꽃이 튀어 오를 때마다 그녀는 검의 문양을 내려다보았다. 문양은 여전히 희미하게 빛나고 있었고, 어제보다 조금 더 밝아진 것 같았다.

"누구를 부르는 거야."

대답할 사람은 없었다. 서윤은 검을 칼집에 넣고 무릎을 끌어안았다. 멀리서 늑대 울음이 길게 이어졌다. 잠이 들기 직전, 그녀는 달의 문 쪽 하늘이 아주 잠깐 은빛으로 물드는 것을 보았다.

새벽이 되자 서윤은 불씨를 흙으로 덮고 다시 걸음을 옮겼다. 발밑의 길은 이제 내리막이었다.`

/** Episode 5, first draft: episode 1 handed back verbatim. The guard must reject it as a copy. */
export const EPISODE_5_COPY = EPISODE_1.replace("# 제1화 붉은바위의 대장간", "# 제5화 문 앞에서")

/** Episode 5, second draft. */
export const EPISODE_5 = `# 제5화 문 앞에서

달의 문은 생각보다 작았다. 언덕 꼭대기에 선 돌 아치는 이끼로 덮여 있었고, 그 아래에는 한 노인이 지팡이를 짚고 서 있었다.

"늦었구나, 서윤아."

미라였다. 서윤이 마지막으로 본 것보다 훨씬 야위었지만 눈빛만은 그대로였다. 서윤은 대답하지 못하고 그 자리에 무릎을 꿇었다.

"도하는……"

"알고 있다. 바람이 먼저 전해 주더구나."

미라는 서윤의 어깨에 손을 얹었다. 그 손은 가볍게 떨리고 있었다. 두 사람은 한동안 말없이 아치 너머의 하늘을 바라보았다. 구름 사이로 둥근 달이 절반쯤 모습을 드러내고 있었다.

"검을 보여 다오."

서윤이 검을 내밀자 미라는 문양을 오래 들여다보았다. 그리고 아주 낮은 목소리로 옛 서약의 구절을 읊었다. 문양이 한 번 크게 빛났다가 다시 가라앉았다.

"보름까지는 하루가 남았다. 그때 문이 열리면, 네가 무엇을 잃고 무엇을 얻을지는 아무도 모른다."

서윤은 칼자루를 힘주어 쥐었다. 언덕 아래에서 밤새들이 일제히 날아올랐다.`

/** The writer's continuation of episode 1 when asked for more (length repair). */
export const EPISODE_1_CONTINUATION = `대장간을 나선 뒤에도 서윤은 한동안 걸음을 옮기지 못했다. 도하가 그녀의 어깨를 가볍게 두드렸다.

"사흘이면 돼. 그동안 여기서 쉬어 가자."

두 사람은 마을 끝자락의 낡은 여관에 방을 잡았다. 창밖으로 바위산이 저녁노을에 물들어 갔다. 서윤은 침상에 누워 부러진 검의 무게를 떠올렸다. 손바닥에 남은 감각이 쉽게 사라지지 않았다.

밤이 깊어지자 멀리서 망치 소리가 다시 들려오기 시작했다. 하은은 아직 잠들지 않은 모양이었다. 일정한 망치 소리를 들으며 서윤은 오랜만에 깊은 잠에 빠져들었다.`
