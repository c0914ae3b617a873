/** The two story worlds the corpus passages are set in: a Bible and a project each. */
import type { Bible, Character } from "../../../src/domain/Bible.ts"
import type { GuardProject } from "../../../src/guard/Guard.ts"

const character = (
  id: string,
  name: string,
  aliases: ReadonlyArray<string>,
  role: string,
  status: "alive" | "dead" = "alive",
): Character => ({ id, name, aliases: [...aliases], role, status, traits: [], firstEpisode: 0 })

export interface World {
  readonly bible: Bible
  readonly project: GuardProject
}

/** Corpus passages are short: the band is scaled down to them. */
const band = { min: 200, max: 1000 }

export const fantasy: World = {
  bible: {
    characters: [
      character("seo-yunha", "서윤하", ["윤하", "서가의 막내"], "주인공"),
      character("han-taeju", "한태주", ["태주", "한 호위"], "호위 무사"),
      character("baek-rin", "백린", ["백 술사"], "떠돌이 술사"),
      character("sowol", "소월", ["달의 정령"], "검의 정령"),
      character("do-jinmyeong", "도진명", ["도 노인", "은둔 검성"], "은둔한 검성"),
      character("lee-yeonhwa", "이연화", ["연화 공주"], "공주"),
      character("seo-jinu", "서진우", ["진우", "오라버니"], "윤하의 오라버니", "dead"),
    ],
    places: [
      { id: "wolha-seong", name: "월하성", description: "왕도" },
      { id: "seoga-geomjang", name: "서가 검장", description: "폐허가 된 수련장" },
      { id: "angae-naru", name: "안개 나루", description: "나루터" },
      { id: "wangsil-seogo", name: "왕실 서고", description: "서고" },
      { id: "heukwol-san", name: "흑월산", description: "산" },
    ],
    factions: [{ id: "heukwol-hoe", name: "흑월회", description: "비밀 결사" }],
    items: [
      { id: "wolgwang-geom", name: "월광검", description: "달빛 검" },
      { id: "seori-injang", name: "서리 인장", description: "인장" },
    ],
    worldRules: [],
    relations: [],
    events: [],
  },
  project: {
    language: "ko",
    lengthBand: band,
    bannedWords: ["스마트폰", "인터넷", "오케이"],
    styleRules: ["3인칭 제한 시점으로 서윤하의 곁을 따라간다.", "전투 장면은 짧은 문장으로 끊어 속도감을 살린다."],
  },
}

export const modern: World = {
  bible: {
    characters: [
      character("cha-doyun", "차도윤", ["도윤", "차 탐정"], "탐정"),
      character("yun-sera", "윤세라", ["세라", "윤 기자"], "기자"),
      character("gwon-haram", "권하람", ["하람", "권 경위"], "형사"),
      character("no-sangcheol", "노상철", ["상철", "노 영감"], "정보원"),
      character("ma-jinhyeok", "마진혁", ["마 회장"], "해성개발 회장"),
      character("seo-yedam", "서예담", ["예담"], "세라의 친구", "dead"),
    ],
    places: [
      { id: "blue-moon", name: "블루문 바", description: "바" },
      { id: "seohang-police", name: "서항경찰서", description: "경찰서" },
      { id: "dock-7", name: "부두 7번 창고", description: "창고" },
      { id: "dal-dongne", name: "달동네 재개발 구역", description: "재개발 구역" },
    ],
    factions: [{ id: "haeseong", name: "해성개발", description: "건설사" }],
    items: [{ id: "black-ledger", name: "검은 장부", description: "장부" }],
    worldRules: [],
    relations: [],
    events: [],
  },
  project: {
    language: "ko",
    lengthBand: band,
    bannedWords: ["존나", "개새끼", "대박"],
    // as the shipped modern_noir template says it: third person, however close
    styleRules: ["1인칭처럼 가까운 3인칭으로 차도윤의 시선을 따라간다.", "문장은 짧고 단단하게, 수식은 아껴 쓴다."],
  },
}

/** Passages written after the guard was tuned (a small hold-out): office romance, wuxia, a "system" hunter story. */
export const mixed: World = {
  bible: {
    characters: [
      character("han-soyul", "한소율", ["소율", "한 대리"], "주인공"),
      character("gang-ijun", "강이준", ["이준", "강 팀장"], "팀장"),
      character("o-daeun", "오다은", ["다은"], "후배"),
      character("min-jaeho", "민재호", ["재호", "민 과장"], "과장"),
      character("jin-seoha", "진서하", ["서하"], "여협"),
      character("yu-geon", "유건", ["유 대협"], "대협"),
      character("baek-suryeon", "백수련", ["수련"], "서하의 사부", "dead"),
    ],
    places: [],
    factions: [],
    items: [],
    worldRules: [],
    relations: [],
    events: [],
  },
  project: {
    language: "ko",
    lengthBand: band,
    bannedWords: ["존나", "개새끼"],
    styleRules: ["3인칭으로 한소율의 속마음을 가까이 따라간다.", "대사의 주고받음으로 웃음을 만들고, 설명은 짧게 한다."],
  },
}

/**
 * The fantasy world with an outline, fixed traits and a villain: for the continuity checks
 * (places, aliases, traits, the outline's future). Passages in it are episode 2 when given one recent episode.
 */
export const saga: World = {
  bible: {
    ...fantasy.bible,
    characters: [
      ...fantasy.bible.characters.map((c) =>
        c.id === "han-taeju"
          ? { ...c, traits: ["과묵한 충성심", "왼뺨의 오래된 흉터"] }
          : c.id === "sowol"
          ? { ...c, traits: ["은빛 머리카락", "장난스러운 호기심"] }
          : c
      ),
      { ...character("gang-mugyeol", "강무결", ["무결", "흑월 대주"], "흑월회의 우두머리"), traits: ["냉혹한 야심"] },
    ],
  },
  project: {
    ...fantasy.project,
    premise: "멸문한 서가 검문의 막내딸 서윤하가 월광검을 손에 넣고 흑월회의 음모에 맞선다.",
    beats: [
      "서윤하는 폐허가 된 서가 검장의 지하 검실에서 잠들어 있던 월광검을 뽑는다.",
      "윤하는 안개 나루를 떠나 왕도 월하성으로 향하고, 백린이 길잡이를 자처한다.",
      "흑월회의 자객들이 나루를 습격하고, 한태주가 윤하를 지켜 왕실 서고까지 피신시킨다.",
      "윤하는 왕실 서고에 잠입해 서리 인장의 비밀을 찾아낸다.",
      "흑월 대주 강무결이 처음으로 모습을 드러내고, 윤하의 검을 가볍게 꺾는다.",
      "한태주는 강무결의 검을 몸으로 막아서고, 윤하의 품에서 조용히 숨을 거둔다. [사망: han-taeju]",
      "슬픔에 잠긴 윤하는 흑월산 기슭에 숨어 사는 검성 도진명을 찾아간다.",
      "보름달 아래 제단에서 윤하는 월광검을 들고 강무결과 다시 맞선다.",
    ],
  } as World["project"],
}

/** The modern world told in the first person by 차도윤: its style rules ask for it, so 나는 … is no defect. */
export const memoir: World = {
  bible: modern.bible,
  project: { ...modern.project, styleRules: ["1인칭 시점으로 차도윤이 직접 이야기한다.", "문장은 짧고 단단하게 쓴다."] },
}

export const worlds = { fantasy, modern, mixed, saga, memoir } as const
