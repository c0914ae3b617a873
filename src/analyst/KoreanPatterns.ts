/**
 * The offline analyst's Korean vocabulary: the phrases that change a character's status or a
 * relation, the patterns that introduce a name, and the cues that make a sentence not tell what
 * happens now (a dream, a memory, a hypothesis, a retraction). Constants only, compiled once.
 *
 * Every status and relation phrase is a finite predicate (`숨을 거두었다`, `숨을 거두었고`):
 * `죽었다고 생각했다`, `죽었다는 소문`, `죽었다면`, `죽은 줄 알았던`, `죽을 뻔했다` and `죽이겠다`
 * then never match, because a phrase matches whole words only (see `PhraseMatcher.ts`).
 */
import type { CharacterStatus, RelationType } from "../domain/Bible.ts"

/** Every phrase a `{A|B}` choice stands for (`숨을 {거두었다|거뒀다}` → two phrases). */
export const expandChoices = (phrase: string): Array<string> => {
  const open = phrase.indexOf("{")
  if (open < 0) return [phrase]
  const close = phrase.indexOf("}", open)
  if (close < 0) throw new Error(`unclosed choice in phrase "${phrase}"`)
  const head = phrase.slice(0, open)
  const rest = expandChoices(phrase.slice(close + 1))
  return phrase.slice(open + 1, close).split("|").flatMap((choice) => rest.map((r) => head + choice + r))
}

/** Who a phrase is about, relative to the phrase. */
export type Target =
  /** the subject of the predicate (`태주는 … 숨을 거두었다`), or the owner right before it (`태주의 숨이 끊어졌다`) */
  | "subject"
  /** the object (`무결을 베어 죽였다`) */
  | "object"
  /** only the owner right before it (`태주의 시신`, `무결의 팔을 부러뜨렸다`) */
  | "owner"

export interface StatusRule {
  readonly status: CharacterStatus
  /** The statuses the phrase ends (`풀려났다` ends a capture); absent: any but `dead`. */
  readonly ends?: ReadonlyArray<CharacterStatus>
  readonly target: Target
  readonly phrases: ReadonlyArray<string>
  /** For a phrase that says it only with what follows (`눈을 감았다`): what one of the next two sentences must say. */
  readonly confirmedBy?: RegExp
}

export const STATUS_RULES: ReadonlyArray<StatusRule> = [
  {
    status: "dead",
    target: "subject",
    phrases: [
      "숨을 {거두었다|거뒀다|거두고 말았다|거두었습니다|거둔다}", "숨이 {끊어졌다|끊겼다|끊어지고 말았다|끊어져 있었다}", "숨졌다",
      "숨은 이미 {끊어져 있었다|멎어 있었다}", "숨이 {멎어 있었다|완전히 멎었다}", "더 이상 숨을 쉬지 않았다", "마지막 숨을 {내쉬었다|몰아쉬었다|거두었다|토해 냈다}", "다시는 일어나지 {못했다|못한다}",
      "{죽었다|죽고 말았다|죽어 버렸다|죽어 있었다|죽임을 당했다}", "목숨을 {잃었다|잃고 말았다}", "생을 마감했다", "세상을 떠났다",
      "{최후를|죽음을} {맞았다|맞이했다|맞이하였다|맞고 말았다}", "{영원히|영영} 눈을 감았다", "다시는 눈을 뜨지 못했다",
      "{절명했다|전사했다|즉사했다|사망했다|순직했다|자결했다|산화했다}", "{살해당했다|살해되었다|살해됐다|독살당했다|암살당했다}",
      "{처형당했다|처형되었다|처형됐다|참수당했다|참수되었다}", "{싸늘한|차가운} {시신이|주검이} 되었다",
      "{시신으로|주검으로|시체로} {발견되었다|발견됐다|돌아왔다}", "돌아가셨다",
    ],
  },
  {
    status: "dead",
    target: "subject",
    phrases: [
      "{그대로|조용히|천천히|스르르|마침내|끝내} 눈을 감았다", "더 이상 움직이지 않았다", "고개가 힘없이 {떨구어졌다|떨어졌다|꺾였다}",
    ],
    confirmedBy: /(?:다시는\s*(?:눈을\s*)?뜨지|심전도|맥박이\s*(?:멎|멈|사라|잡히지)|숨이\s*(?:멎|끊)|숨을\s*쉬지\s*않|숨결이\s*(?:멎|사라|끊)|싸늘하게\s*식|체온이\s*(?:식|사라)|몸이\s*식어|평평해졌|영영\s*(?:잠들|떠나)|영원히\s*잠들)/,
  },
  {
    status: "dead",
    target: "object",
    phrases: [
      "{죽였다|죽이고 말았다|살해했다|처형했다|참수했다|암살했다|독살했다}", "베어 죽였다", "찔러 죽였다",
    ],
  },
  {
    status: "dead",
    target: "owner",
    phrases: [
      "{목숨을|숨통을} {끊었다|앗아갔다|거두었다|빼앗았다}", "목을 {베었다|쳤다}", "{시신|주검|시체|유해}",
      "심장이 {멎었다|멈췄다|멈추었다}",
    ],
  },
  {
    status: "injured",
    target: "subject",
    phrases: [
      "{왼팔|오른팔|한쪽 팔|한 팔|팔 하나|왼손|오른손|한쪽 손|왼쪽 다리|오른쪽 다리|한쪽 다리|다리 하나|한쪽 눈|왼쪽 눈|오른쪽 눈|왼눈|오른눈|두 눈|시력|손가락|왼쪽 귀|오른쪽 귀}{을|를} 잃었다",
      "{팔이|다리가|갈비뼈가|늑골이|갈비뼈 몇 대가|손목이|발목이|어깨뼈가|코뼈가|팔뼈가|다리뼈가|정강이뼈가} {부러졌다|으스러졌다|부러지고 말았다}",
      "{상처를|부상을|중상을|치명상을|자상을|화상을|총상을|깊은 상처를|큰 상처를|큰 부상을|깊은 자상을|치명적인 상처를|심한 화상을} {입었다|입고 말았다|당했다}",
      "{부상당했다|부상을 당했다|크게 다쳤다|심하게 다쳤다|중상을 당했다}",
      "{칼에|검에|창에|단검에|비수에|화살에|총에|총알에} {찔렸다|맞았다|꿰뚫렸다|베였다|관통당했다}",
      "{화살을|총을|총알을|칼을} 맞았다",
      "{옆구리를|어깨를|허벅지를|가슴을|배를|등을|팔을|다리를} {찔렸다|베였다|관통당했다|꿰뚫렸다}",
      "{독에} {중독되었다|중독됐다|당했다}", "불구가 되었다", "실명했다",
    ],
  },
  {
    status: "injured",
    target: "owner",
    phrases: [
      "{팔을|다리를|갈비뼈를|손목을|발목을} {부러뜨렸다|꺾어 부러뜨렸다}", "{팔을|다리를|손목을} {잘랐다|베어 냈다}",
    ],
  },
  {
    status: "missing",
    target: "subject",
    phrases: [
      "{행방불명이 되었다|행방불명이 됐다|행방불명되었다|행방불명됐다|실종되었다|실종됐다|실종되고 말았다}",
      "{자취를|종적을} {감추었다|감췄다|감춰 버렸다}", "행방이 묘연해졌다", "{흔적도 없이|감쪽같이} 사라졌다", "사라졌다",
    ],
  },
  {
    status: "captured",
    target: "subject",
    phrases: [
      "{포로로|인질로} {잡혔다|붙잡혔다|끌려갔다}", "{포로가|인질이} {되었다|됐다|되고 말았다}", "붙잡혔다", "사로잡혔다",
      "{끌려갔다|끌려 갔다|연행되었다|연행됐다|체포되었다|체포됐다|체포당했다|투옥되었다|투옥됐다|감금되었다|감금됐다|감금당했다|납치되었다|납치됐다|납치당했다|유폐되었다}",
      "{감옥에|옥에|뇌옥에|감방에|옥사에|철창에|지하 감옥에|지하 뇌옥에|감옥 안에|철창 안에} 갇혔다",
    ],
  },
  {
    status: "captured",
    target: "object",
    phrases: [
      "{납치했다|체포했다|사로잡았다|생포했다|포박했다|연행했다}", "포로로 {잡았다|삼았다}", "인질로 잡았다",
      "{감옥에|옥에|뇌옥에|감방에} {가두었다|가뒀다}", "끌고 갔다",
    ],
  },
  {
    status: "alive",
    ends: ["captured"],
    target: "subject",
    phrases: [
      "{풀려났다|석방되었다|석방됐다|구출되었다|구출됐다|구조되었다|구조됐다|탈출했다|탈옥했다}", "{감옥을|뇌옥을|감옥에서|뇌옥에서} 빠져나왔다",
    ],
  },
  {
    status: "alive",
    ends: ["captured"],
    target: "object",
    phrases: ["{구해 냈다|구해냈다|구출했다|풀어 주었다|풀어 줬다|풀어주었다|석방했다}"],
  },
  {
    status: "alive",
    ends: ["missing"],
    target: "subject",
    phrases: ["{무사히|살아서|멀쩡히} {돌아왔다|나타났다|발견되었다|발견됐다}", "살아 있는 채로 {발견되었다|발견됐다}", "살아 돌아왔다"],
  },
]

/** A word whose noun, standing as the subject before a status phrase, is a thing, not the one it happens to (`가슴에 화살이 박힌 채`). */
export const INANIMATE_SUBJECTS: ReadonlySet<string> = new Set(
  `화살 화살촉 칼 검 창 칼날 검날 검끝 칼끝 단검 비수 총알 피 선혈 핏물 피가 상처 눈물 비 눈 바람 불길 불꽃 연기 독 독기 빛 달빛 햇빛 어둠
  손 발 팔 다리 입 입가 눈가 고개 몸 가슴 어깨 숨소리 목소리 비명 소리 땀 식은땀 안개 그림자 빗줄기 파도 물결 얼굴 옷 옷자락 손끝 무릎`
    .trim().split(/\s+/),
)

/** Nouns after which `사로잡혔다` is a feeling (`두려움에 사로잡혔다`), `붙잡혔다` a hand (`손목을 붙잡혔다`). */
export const FIGURATIVE_BEFORE = /(?:두려움|공포|불안|감정|생각|의심|충동|절망|분노|슬픔|착각|예감|기억|환상|혼란|욕망|마음|손목|팔|손|옷자락|소매|발목|멱살|어깨|시선|눈길)(?:에|을|를)\s*$/

/** Words before `상처를 입었다` that make the wound a feeling. */
export const FIGURATIVE_WOUND = /(?:마음|가슴|자존심|영혼|감정|명예|자존감|마음속)(?:에|의|도|은|이)?\s+(?:[가-힣]+\s+)?$/

// ---------------------------------------------------------------------------
// Relations

export type RelationTarget = "object" | "dative" | "owner" | "with" | "into"

export interface RelationRule {
  readonly type: RelationType
  readonly change: "formed" | "broken"
  /** The particle that marks the other side. */
  readonly target: RelationTarget
  /** What the other side is. */
  readonly kind: "character" | "faction" | "item"
  /** A relation both ways (`연인이 되었다`, `헤어졌다`). */
  readonly mutual?: boolean
  readonly phrases: ReadonlyArray<string>
}

export const RELATION_RULES: ReadonlyArray<RelationRule> = [
  { type: "SERVES", change: "formed", target: "dative", kind: "character", phrases: ["충성을 {맹세했다|서약했다|바쳤다|다짐했다}", "{무릎을 꿇고 충성을 맹세했다}"] },
  { type: "SERVES", change: "formed", target: "object", kind: "character", phrases: ["{주군으로|주인으로|주공으로} {모시기로 했다|섬기기로 했다|받들기로 했다|모시기로 맹세했다|섬기기로 맹세했다|삼았다}"] },
  { type: "SERVES", change: "formed", target: "owner", kind: "character", phrases: ["{수하가|부하가|가신이|호위가|검이} {되었다|됐다|되기로 했다|되기로 맹세했다}", "휘하에 들어갔다"] },
  { type: "SERVES", change: "broken", target: "object", kind: "character", phrases: ["{배신했다|배반했다|저버렸다}"] },
  { type: "SERVES", change: "broken", target: "dative", kind: "character", phrases: ["등을 돌렸다"] },
  { type: "LOVES", change: "formed", target: "object", kind: "character", phrases: ["{사랑한다고|좋아한다고} 고백했다", "사랑하게 되었다"] },
  { type: "LOVES", change: "formed", target: "dative", kind: "character", phrases: ["{사랑을|마음을|연심을} 고백했다", "{반해 버렸다|반하고 말았다|반했다}"] },
  { type: "LOVES", change: "formed", target: "with", kind: "character", mutual: true, phrases: ["연인이 {되었다|됐다}", "{입을 맞추었다|입을 맞췄다}", "사랑에 빠졌다"] },
  { type: "LOVES", change: "broken", target: "with", kind: "character", mutual: true, phrases: ["{헤어졌다|헤어지고 말았다|이별했다}"] },
  { type: "LOVES", change: "broken", target: "dative", kind: "character", mutual: true, phrases: ["이별을 {고했다|통보했다}"] },
  { type: "HATES", change: "formed", target: "object", kind: "character", phrases: ["{원수로|적으로} {여겼다|삼았다|여기게 되었다}", "{증오했다|증오하게 되었다|저주했다}"] },
  { type: "HATES", change: "formed", target: "dative", kind: "character", phrases: ["{복수를|복수하기로} {맹세했다|다짐했다|결심했다}", "원한을 품었다"] },
  { type: "RIVAL_OF", change: "formed", target: "object", kind: "character", phrases: ["{라이벌로|맞수로|적수로|경쟁자로} {여겼다|인정했다|삼았다|여기게 되었다}"] },
  { type: "RIVAL_OF", change: "formed", target: "with", kind: "character", mutual: true, phrases: ["{라이벌이|맞수가|경쟁자가} {되었다|됐다}"] },
  { type: "KNOWS", change: "formed", target: "with", kind: "character", mutual: true, phrases: ["{인사를 나누었다|인사를 나눴다|통성명을 했다|통성명했다|처음 만났다|처음으로 만났다|처음 마주쳤다}"] },
  { type: "KNOWS", change: "broken", target: "with", kind: "character", mutual: true, phrases: ["{의절했다|연을 끊었다|인연을 끊었다|절연했다}"] },
  { type: "MEMBER_OF", change: "formed", target: "into", kind: "faction", phrases: ["{가입했다|합류했다|들어갔다|입단했다|몸을 담았다}"] },
  { type: "MEMBER_OF", change: "formed", target: "owner", kind: "faction", phrases: ["{일원이|단원이|회원이} {되었다|됐다}"] },
  { type: "MEMBER_OF", change: "broken", target: "object", kind: "faction", phrases: ["{탈퇴했다|배신했다|떠났다|등졌다}"] },
  { type: "OWNS", change: "formed", target: "object", kind: "item", phrases: ["{손에 넣었다|얻었다|차지했다|물려받았다|건네받았다|되찾았다}"] },
  { type: "OWNS", change: "broken", target: "object", kind: "item", phrases: ["{빼앗겼다|잃어버렸다|도둑맞았다|넘겨주었다|넘겨줬다}"] },
]

/** Particles that mark each kind of other side (bare: what is left of the word after the name). */
export const TARGET_PARTICLES: Readonly<Record<RelationTarget | "subject" | "into", ReadonlySet<string>>> = {
  subject: new Set(["이", "가", "은", "는", "께서", "께서는", "께서도", "도", "마저", "조차", "까지", "만", "만은", "이가", "이는", "이도", "이마저", "이조차", "이까지", "이만"]),
  object: new Set(["을", "를", "이를", "마저", "조차", "까지", "만", "만을", "이마저"]),
  dative: new Set(["에게", "한테", "께", "에게는", "에게도", "에게만", "이에게", "이한테"]),
  /** Where one joins or enters (`흑월회에 가입했다`). */
  into: new Set(["에", "에는", "에도", "으로", "로"]),
  owner: new Set(["의", "이의"]),
  with: new Set(["와", "과", "와는", "과는", "이랑", "랑", "하고", "이와", "이하고"]),
}

// ---------------------------------------------------------------------------
// Cues that make a sentence not tell what happens now

/** In the sentence (or earlier in its paragraph): a dream, a memory, a hypothesis, a rumour, a belief. */
export const NOT_NOW_CUES =
  /(?:꿈|악몽|환영|환상|환각|상상|만약|만일|혹시|[었았였했]더라면|[었았였했]다면|라면|년 전|해 전|달 전|오래전|오래 전|옛날|어린 시절|그 시절|지난날|예전|과거|회상|떠올렸|떠올랐|떠오르|기억|생전|추억|소문|거짓|연기였|척했|시늉|줄 알았|줄로 알았|착각|오보|가짜|속임수|[었았였했]었|살 때|살이던|살 무렵|시절|때였다|적이 있었|적이 있다)/

/** In one of the two sentences after it: what takes a death back (`아니, 아직 숨이 붙어 있었다`, `꿈이었다`). */
export const RETRACTION_CUES =
  /(?:아직 숨이|숨이 붙어|숨을 쉬고|숨을 몰아쉬|살아 있|살아있|살아 숨|맥이 뛰|맥박이|기절|정신을 잃|꿈이었|꿈이다|악몽이었|잠에서 깨|깨어났|착각|죽은 척|연기였|가짜|믿고 싶|그렇게 믿|그렇게 여겼|그렇게 생각|처럼 보였|것처럼|눈을 떴|되살아|살아났|살아 돌아|깨어나도|깨어나더라도|사실이 아니|거짓이었|오보였|헛소문)/

// ---------------------------------------------------------------------------
// Facts

/** What befalls a thing: it breaks, burns, is lost. The thing is the subject before the phrase. */
export interface FactRule {
  readonly fact: true
  readonly phrases: ReadonlyArray<string>
}

export const FACT_RULES: ReadonlyArray<FactRule> = [
  {
    fact: true,
    phrases: [
      "{부러졌다|부서졌다|깨졌다|쪼개졌다|산산조각 났다|산산조각이 났다|두 동강 났다|두 동강이 났다|불타 버렸다|불탔다|녹아내렸다|빛을 잃었다|금이 갔다|박살 났다}",
    ],
  },
]

/** Things a character owns that a fact may befall (`백린의 검이 부러졌다`). */
export const OWNED_THINGS: ReadonlySet<string> = new Set(
  `검 칼 도 활 창 단검 지팡이 부채 반지 목걸이 가면 방패 갑옷 투구 인장 옥패 피리 거문고 지도 서책 책 일기장 편지 휴대폰 총 권총 배지 장부 수첩 시계 안경 노트북 차 자동차 집`
    .trim().split(/\s+/),
)

/** In the six sentences after it: a dream revealed (`악몽이었다`), which takes back all that came before it. */
export const DREAM_REVEALED = /(?:꿈이었|악몽이었|꿈이다|악몽이다|꿈이었던|꿈에서 깨|잠에서 깨|악몽에서 깨)/

// ---------------------------------------------------------------------------
// Introductions

/**
 * Nouns for a person after `X라는`, `X라고 불리는` …: `true` when the noun is a role worth keeping
 * (`대장장이`), `false` for a person in general (`사내`).
 */
export const PERSON_NOUNS: ReadonlyMap<string, boolean> = new Map([
  ...`사내 남자 여자 여인 소년 소녀 청년 노인 노파 아이 사람 아가씨 할멈 영감 꼬마 친구 이방인 나그네 중년 여성 남성 작자 놈 녀석 자 분 아저씨 아줌마 할아버지 할머니 손님 젊은이 늙은이 애 계집 계집아이 사나이 여학생 남학생 전학생 신입`
    .split(/\s+/).map((w): [string, boolean] => [w, false]),
  ...`기사 무사 검객 검사 상인 대장장이 의원 의사 마법사 술사 자객 용병 장수 병사 하녀 시녀 학생 형사 경찰 직원 청부업자 사냥꾼 도적 산적 해적 행상 승려 스님 도사 점원 바텐더 사제 신관 궁수 마부 뱃사공 약초꾼 주모 집사 호위무사 호위 기자 변호사 검사 비서 사장 회장 팀장 과장 대리 부장 교수 선생 선생님 간호사 요리사 정보원 브로커 해커 탐정 경위 경감 장로 단장 대장 부관 전령 마도사 연금술사 음유시인 광대 점쟁이 무당 농부 어부 광부 목수 화가 악사 기녀 환관 내관 궁녀 상궁 공주 왕자 영주 귀족 백작 공작 남작 후작 자작 대신 재상 장군`
    .split(/\s+/).map((w): [string, boolean] => [w, true]),
])

/** Occupations and ranks a full name may follow to introduce someone (`경사 문태오`, `대장장이 마석두`). */
export const OCCUPATIONS: ReadonlySet<string> = new Set(
  `형사 경사 경위 경감 순경 기자 검사 변호사 의사 간호사 교수 박사 기사 무사 검객 자객 상인 대장장이 의원 마법사 술사 용병 장군 부관 집사 하녀 시녀 비서 인턴 회계사 대표 사장 회장 팀장 과장 부장 실장 주임`
    .trim().split(/\s+/),
)

/** What `X라고 적힌` names a person on (`‘임다현’이라고 적힌 명찰`). */
export const NAME_TAGS: ReadonlySet<string> = new Set(["명찰", "이름표", "명패", "명함"])

/** Titles after a name (`마석두 단장`, `레온 경`): the role of an introduced character. */
export const TITLES_AFTER: ReadonlySet<string> = new Set(
  `단장 대장 장로 공주 왕자 선생 선생님 공작 백작 후작 자작 남작 경 대인 대주 사부 회장 사장 팀장 과장 부장 실장 대리 형사 경위 경감 기자 교수 박사 장군 부관 도령 낭자 소저 대협 의원 노인 영감 대감 나리 마님 회주 교주 문주 방주 당주 부인`
    .trim().split(/\s+/),
)

/** Nouns for a place after `X라는`, and the endings a place name has (`청풍객잔`, `흑수항`). */
export const PLACE_NOUNS: ReadonlyArray<string> = `마을 도시 객잔 주막 여관 항구 포구 나루 산 산맥 숲 성 성채 요새 탑 궁 궁전 사막 협곡 거리 골목 카페 빌딩 호텔 병원 학교 사무소 술집 바 클럽 식당 시장 섬 강 호수 계곡 동굴 사원 절 신전 성당 수도원 평원 초원 고개 언덕 마을 촌 왕국 제국 공국 영지 저택 장원 별장 문파 무관 검관 서원 학원 광장 항 역 공원 아파트 오피스텔 창고 부두 공장 교회 대학 연구소 감옥 뇌옥`
  .trim().split(/\s+/)
const PLACE_NOUN_SET: ReadonlySet<string> = new Set(PLACE_NOUNS)
export const isPlaceNoun = (w: string): boolean => PLACE_NOUN_SET.has(w)

/** Endings of a one-word place name, longest first (`청풍객잔` → 객잔). One-syllable endings need a two-syllable stem. */
export const PLACE_ENDINGS: ReadonlyArray<string> = [...new Set(PLACE_NOUNS)].sort((a, b) => b.length - a.length)

/** Verbs of arrival after `X에`: the place X is where the scene went. */
export interface ArrivalRule {
  readonly arrival: true
  readonly phrases: ReadonlyArray<string>
}

export const ARRIVAL_VERBS: ReadonlyArray<ArrivalRule> = [
  { arrival: true, phrases: ["{도착했다|당도했다|다다랐다|이르렀다|들어섰다|닿았다}", "발을 들였다"] },
]

const QUOTE_OPEN = "['‘“\"「『]?"
const QUOTE_CLOSE = "['’”\"」』]?"
/** A name: two to five Hangul syllables, lazily (the copula or particle after it decides where it ends). */
const NAME = "([가-힣]{2,5}?)"
/** A name starts a word. */
const NAME_START = "(?<![가-힣])"

/** The name right before a pattern (`무진이` + `라는 사내`): two to five syllables starting a word, an optional `이` after it. */
export const NAME_BEFORE = new RegExp(String.raw`${NAME_START}${QUOTE_OPEN}${NAME}${QUOTE_CLOSE}(?:이)?$`)

/**
 * Patterns that introduce a person's (or a place's) name. `name`: group 1 is the name. `before`:
 * the name stands right before the match ({@link NAME_BEFORE}; the pattern starts with a literal,
 * which a scan finds fast). `noun`: also group 1 (or the name before) names what the next words
 * are (`사내`, `마을`), in group `rest`.
 */
export const INTRODUCTIONS: ReadonlyArray<{
  readonly re: RegExp
  readonly name: "group" | "before"
  readonly nounAfter: boolean
  /**
   * Words the pattern's match holds, and how far before and after such a word the match may
   * reach: the pattern runs only around them (`indexOf` is much faster than a scan of the text).
   */
  readonly needs: ReadonlyArray<string>
  readonly reach: readonly [before: number, after: number]
}> = [
  // 이름은 무진이었다 / 제 이름은 하린입니다 / 진짜 이름이 곽도삼이라는 것
  {
    re: new RegExp(String.raw`이름(?:은|이)\s*${QUOTE_OPEN}${NAME}${QUOTE_CLOSE}(?:이었다|였다|이었고|였고|이고|이다|입니다|이에요|예요|이야|야|이오|이라고|라고|이라 했다|라 했다|이라네|라네|이라는 것|라는 것|이라는 걸|라는 걸|,)`, "g"),
    name: "group",
    nounAfter: false,
    needs: ["이름"],
    reach: [0, 40],
  },
  // 무진이라는 사내 / 무진이라는 이름의 노인 / '흑랑'이라 불리는 자객 / 하람이라는 작은 마을: `rest` is the next words
  {
    re: /['’”"」』]?라(?:는|고 하는|고 불리는| 불리는|고 적힌)\s+(?<rest>(?:[가-힣]+\s+){0,2}[가-힣]+)/g,
    name: "before",
    nounAfter: true,
    needs: ["라는", "라고 하는", "불리는", "라고 적힌"],
    reach: [2, 40],
  },
  // 설가연. 그것이 그녀의 이름이었다.
  {
    re: new RegExp(String.raw`${NAME_START}${QUOTE_OPEN}${NAME}${QUOTE_CLOSE}[.,]\s*(?:그것이|그게|그것은|이것이)\s+(?:바로\s+)?(?:그의|그녀의|그\s+아이의|소녀의|소년의|사내의|여자의|남자의|노인의|제|내)\s+이름이(?:었다|다|었지|였다)`, "g"),
    name: "group",
    nounAfter: false,
    needs: ["이름이"],
    reach: [30, 4],
  },
  // 인사해, 여기는 내 대학 동기 배수진이야
  {
    re: new RegExp(String.raw`(?:여기는|이쪽은|이 사람은|이분은|얘는|이 친구는)\s+(?:\S+\s+){0,3}?${NAME}(?:이야|야|이에요|예요|입니다|이고|이랑|씨)(?=[\s.,!?…”’"']|$)`, "g"),
    name: "group",
    nounAfter: false,
    needs: ["여기는", "이쪽은", "이 사람은", "이분은", "얘는", "이 친구는"],
    reach: [0, 40],
  },
  // 자신을 (해성개발의 법률 고문) 백도진이라고 소개했다
  {
    re: new RegExp(String.raw`(?:자신을|스스로를)\s+(?:\S+\s+){0,3}?${QUOTE_OPEN}${NAME}${QUOTE_CLOSE}(?:이)?라(?:고)?\s*(?:소개했|소개하|밝혔)`, "g"),
    name: "group",
    nounAfter: false,
    needs: ["자신을", "스스로를"],
    reach: [0, 60],
  },
  // 백도진이라고 자신을 소개했다
  { re: /['’”"」』]?라고\s+(?:자신을|스스로를)\s+소개/g, name: "before", nounAfter: false, needs: ["소개"], reach: [30, 2] },
  // “마석두라고 하오. …”: a line of dialogue that opens with the speaker's name
  {
    re: new RegExp(String.raw`[\n“"‘「『]\s*${NAME}(?:이)?라(?:고)?\s*(?:합니다|하오|해요|하옵니다|하네|하지요|하지|한다|하는데요|하는데)(?=[\s.,!?…”’"']|$)`, "g"),
    name: "group",
    nounAfter: false,
    needs: ["라고", "라 하", "라하"],
    reach: [12, 16],
  },
  // 처음 뵙겠습니다, 김하늘입니다 / 오늘부터 팀을 맡게 된 차서준입니다
  {
    re: new RegExp(String.raw`(?:(?:뵙겠습니다|반갑습니다|안녕하세요|안녕하십니까)[.,!]?|(?:저는|전|제가|된|온|맡은|부임한))\s+${NAME}(?:입니다|이에요|예요|이올시다)(?=[\s.,!?…”’"']|$)`, "g"),
    name: "group",
    nounAfter: false,
    needs: ["입니다", "예요", "이올시다"],
    reach: [30, 6],
  },
  // 저는 하린이라고 합니다 / 소인은 마석두라 하옵니다
  {
    re: new RegExp(String.raw`(?:저는|전|나는|난|소인은|소녀는|소생은|본좌는|이 몸은|제 이름은|내 이름은)\s+${QUOTE_OPEN}${NAME}${QUOTE_CLOSE}(?:이)?라(?:고)?\s*(?:합니다|해요|하오|하네|한다|하지|하옵니다|하지요|불러|부르)`, "g"),
    name: "group",
    nounAfter: false,
    needs: ["라고", "라 하", "라하", "라 불", "라 부"],
    reach: [30, 16],
  },
]

/** Words that are never a name, whatever pattern they stand in. */
export const NEVER_NAMES: ReadonlySet<string> = new Set(
  `무엇 누구 뭐 아무 아무개 아무것 모르 모른 비밀 상관 중요 그것 이것 저것 그런 이런 저런 자신 바로 정말 진짜 우리 너희 그들 당신 여기 거기 저기 이곳 그곳 저곳 그대 그녀 사실 이상 정도 무슨 어떤 어느 다른 같은 하나 이름 별명 본명 가명 놈의 그놈 이놈 저놈`
    .trim().split(/\s+/),
)

// ---------------------------------------------------------------------------
// Events

/** Verbs that move a plot (an attack, an escape, a discovery, a vow …), as opposed to looking and saying. */
export const PLOT_VERBS =
  /(?:공격했|습격했|습격해|베었|찔렀|쓰러뜨렸|쓰러졌|무너졌|무너뜨렸|떠났|도착했|당도했|들어섰|발견했|찾아냈|찾아냈|알아냈|깨달았|정체가 드러났|비밀이 드러났|진실이 드러났|사실이 밝혀졌|정체를 드러냈|빼앗|되찾|구해 냈|구해냈|구했|탈출했|도망쳤|달아났|싸웠|맞섰|막아섰|맹세했|고백했|결심했|선언했|약속했|거절했|받아들였|손에 넣었|폭발했|불타|쳐들어|포위했|함락|배신|(?<!숨을\s)죽였|살렸|봉인|풀려났|체포|계약을 맺|계약했|건넸|훔쳤|숨겼|잠입했|쫓았|추격|부러졌|꺾였|꺾었|무릎을 꿇|항복했|명령했|검을 뽑았|검을 뽑아 들|문을 부수|부쉈|깨뜨렸|불태웠)/

/** Sentences that only tag a line of dialogue (`윤하가 말했다.`): no event. */
export const SPEECH_TAG = /(?:말했|물었|대답했|답했|중얼거렸|외쳤|속삭였|덧붙였|되물었|말을 이었|입을 열었)다[.!…]*$/
