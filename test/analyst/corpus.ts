/**
 * Passages written the way an LLM writes a web-novel episode (not the offline writer's style),
 * each labelled by hand with what it truly changes in the Bible. Labels are the truth of the
 * passage, not what the analyst manages: a death told only in dialogue is still labelled a death.
 *
 * Characters are template ids; a character the passage introduces is written `@이름` (its id is
 * `characterIdOf(이름)`). Relations are `"from TYPE formed|broken to"`.
 */

export type Genre = "fantasy_kr" | "modern_noir" | "romance_comedy"

export interface LabelledPassage {
  readonly name: string
  readonly genre: Genre
  readonly text: string
  readonly deaths?: ReadonlyArray<string>
  readonly injuries?: ReadonlyArray<string>
  readonly missing?: ReadonlyArray<string>
  readonly captured?: ReadonlyArray<string>
  /** Characters a capture or a disappearance ends for (alive again). */
  readonly released?: ReadonlyArray<string>
  /** Statuses the Bible gives characters before the passage (the template's otherwise: all alive). */
  readonly before?: Readonly<Record<string, "dead" | "injured" | "missing" | "captured">>
  /** Names of the people the passage introduces. */
  readonly intros?: ReadonlyArray<string>
  /** Names of the places the passage introduces. */
  readonly places?: ReadonlyArray<string>
  readonly relations?: ReadonlyArray<string>
  /** Why a passage is a trap: what must not be read into it. */
  readonly trap?: string
}

export const CORPUS: ReadonlyArray<LabelledPassage> = [
  // ---------------------------------------------------------------- fantasy
  {
    name: "guard dies in the heroine's arms",
    genre: "fantasy_kr",
    text: `달빛이 회랑의 깨진 기와 위로 쏟아졌다. 강무결의 검이 번뜩이는 순간, 한태주는 망설임 없이 윤하의 앞을 막아섰다.

차가운 쇳소리. 그리고 둔탁한 울림.

“태주야……!”

윤하가 무너지듯 주저앉아 그를 끌어안았다. 태주의 입가로 붉은 피가 흘러내렸다. 그는 무언가 말하려는 듯 입술을 달싹였지만, 끝내 아무 말도 하지 못했다.

한태주는 그렇게 윤하의 품에서 숨을 거두었다.`,
    deaths: ["han-taeju"],
  },
  {
    name: "arrow through the sorcerer's throat",
    genre: "fantasy_kr",
    text: `흑월회의 화살이 비처럼 쏟아졌다. 나루터의 뱃사공들이 비명을 지르며 흩어졌고, 백린은 술식을 펼쳐 화살을 막으려 했다. 그러나 한 발이 결계를 뚫고 들어왔다.

화살은 정확히 그의 목을 꿰뚫었다. 백 술사는 그 자리에서 목숨을 잃었다. 안개가 그의 몸을 천천히 덮었다.`,
    deaths: ["baek-rin"],
  },
  {
    name: "a blade stopped an inch short",
    genre: "fantasy_kr",
    text: `강무결의 검끝이 윤하의 목젖 바로 앞에서 멈췄다. 한 치만 더 들어왔다면, 그녀는 죽었을 것이다.

윤하는 숨을 몰아쉬며 뒤로 물러섰다. 죽을 뻔했다. 정말로, 이번에는 죽을 뻔했다.

“운이 좋군.” 무결이 검을 거두며 비웃었다.`,
    trap: "near-death and a hypothetical",
  },
  {
    name: "a threat across the courtyard",
    genre: "fantasy_kr",
    text: `“네놈을 반드시 죽여 버리겠다.”

강무결의 목소리는 얼음장처럼 차가웠다. 한태주는 대답 대신 검자루를 고쳐 쥐었다.

“해 보시지. 나는 이미 한 번 죽었던 몸이다.”

두 사람 사이로 싸늘한 바람이 스쳐 지나갔다.`,
    trap: "a threat and a boast in dialogue",
  },
  {
    name: "the burning hall was a dream",
    genre: "fantasy_kr",
    text: `윤하는 꿈을 꾸었다. 불타는 검장 한가운데서 태주가 피투성이가 된 채 쓰러져 있었다. 그의 눈은 텅 비어 있었고, 가슴은 더 이상 오르내리지 않았다. 태주는 죽었다. 윤하는 소리 없이 울부짖었다.

눈을 떴을 때, 창밖은 아직 어두웠다. 옆방에서 태주의 나직한 코골이가 들려왔다. 꿈이었다.`,
    trap: "a death in a dream",
  },
  {
    name: "the sword saint believed dead",
    genre: "fantasy_kr",
    text: `“살아 계셨군요.” 윤하의 목소리가 떨렸다.

삼 년 전 서가 검장이 불타던 밤, 모두가 도진명이 그 불길 속에서 죽었다고 믿었다. 그러나 죽은 줄 알았던 은둔 검성은 멀쩡히 두 발로 서서 그녀를 내려다보고 있었다. 도 노인은 허허 웃으며 수염을 쓰다듬었다.`,
    trap: "a believed death, taken back",
  },
  {
    name: "the price of the night fight",
    genre: "fantasy_kr",
    text: `싸움은 새벽이 되어서야 끝났다. 대가는 컸다. 흑월회의 자객이 휘두른 도끼에 한태주는 왼팔을 잃었다.

윤하는 피로 젖은 붕대를 감아 주며 입술을 깨물었다. 태주는 괜찮다고, 검은 오른손으로도 쥘 수 있다고 말했다.`,
    injuries: ["han-taeju"],
  },
  {
    name: "a broken leg on the cliff",
    genre: "fantasy_kr",
    text: `절벽 아래로 떨어진 소월은 정령의 몸이라 상처 하나 없었다. 하지만 백린은 달랐다.

착지하는 순간 뚝, 하는 소리가 났다. 백린의 왼쪽 다리가 부러졌다. 그는 이를 악물고 신음을 삼켰다.`,
    injuries: ["baek-rin"],
  },
  {
    name: "the inn surrounded",
    genre: "fantasy_kr",
    text: `월하성의 근위병들이 객잔을 에워쌌다. 백린은 창문으로 달아나려 했지만 한발 늦었다. 그는 병사들에게 붙잡혔다.

밧줄에 묶인 백 술사는 왕도의 지하 감옥으로 끌려갔다. 윤하는 지붕 위에 엎드린 채 그 광경을 지켜볼 수밖에 없었다.`,
    captured: ["baek-rin"],
  },
  {
    name: "the princess gone at dawn",
    genre: "fantasy_kr",
    text: `아침이 밝자 궁이 발칵 뒤집혔다. 이연화 공주가 행방불명되었다. 침소에는 흐트러진 이불과 깨진 찻잔만이 남아 있었다.

근위대는 왕도 곳곳을 뒤졌지만, 공주의 흔적은 어디에도 없었다.`,
    missing: ["lee-yeonhwa"],
  },
  {
    name: "the scarred blacksmith",
    genre: "fantasy_kr",
    text: `객잔 구석에 앉아 있던 사내가 천천히 고개를 들었다. 얼굴의 절반을 덮은 흉터가 등잔불에 번들거렸다.

“마석두라고 하오. 이 근방에서 대장간을 하고 있소.”

대장장이 마석두는 투박한 손으로 술잔을 내밀었다. 윤하는 잠시 망설이다 그 잔을 받았다.`,
    intros: ["마석두"],
  },
  {
    name: "the girl at the ferry inn",
    genre: "fantasy_kr",
    text: `소녀의 이름은 아린이었다. 열두 살, 나루터 객잔에서 허드렛일을 하며 자랐다고 했다.

아린이는 윤하의 검을 신기한 듯 바라보았다. “언니, 그거 진짜 검이에요?”`,
    intros: ["아린"],
  },
  {
    name: "a village after three days",
    genre: "fantasy_kr",
    text: `사흘을 꼬박 걸은 끝에 일행은 하람이라는 작은 마을에 닿았다. 마을 어귀의 느티나무 아래에서 아이들이 팽이를 치고 있었다.

태주는 말없이 주위를 살폈다. 흑월회의 눈은 어디에나 있었다.`,
    places: ["하람"],
  },
  {
    name: "arriving at an inn by dusk",
    genre: "fantasy_kr",
    text: `해 질 무렵, 윤하와 태주는 마침내 청운객잔에 도착했다. 기름 냄새와 술 냄새가 뒤섞인 실내는 장사꾼들로 북적였다.`,
    places: ["청운객잔"],
  },
  {
    name: "a blacksmith swears fealty",
    genre: "fantasy_kr",
    text: `사내는 한참 동안 월광검을 바라보았다. 그의 이름은 마석두였다. 서가 검문에서 삼십 년 동안 검을 벼려 온 대장장이.

무릎을 꿇은 마석두는 윤하에게 충성을 맹세했다. 윤하는 당황한 얼굴로 그를 일으켜 세웠다.`,
    intros: ["마석두"],
    relations: ["@마석두 SERVES formed seo-yunha"],
  },
  {
    name: "the guard's betrayal",
    genre: "fantasy_kr",
    text: `모든 것이 밝혀졌다. 흑월회에 서가의 비밀 통로를 알려 준 것은 다름 아닌 한태주였다.

태주는 윤하를 배신했다. 윤하는 검을 뽑아 들었지만, 손끝이 떨려 겨누지 못했다.`,
    relations: ["han-taeju SERVES broken seo-yunha"],
  },
  {
    name: "the spirit fades but lives",
    genre: "fantasy_kr",
    text: `“소월!” 윤하가 외쳤다. 검에서 빛이 꺼져 가고 있었다.

하지만 소월은 죽지 않았다. 정령은 희미한 목소리로 속삭였다. ‘조금… 쉬면 괜찮아져.’`,
    trap: "a negated death",
  },
  {
    name: "the recurring dream",
    genre: "fantasy_kr",
    text: `윤하는 또 그 꿈을 꾸었다. 꿈속에서 태주는 숨을 거두었다. 윤하는 매번 같은 장면에서 비명을 지르곤 했다.

아침 수련장에서 태주는 여느 때처럼 목검을 휘두르고 있었다.`,
    trap: "a death in a dream, told as such",
  },
  {
    name: "an old boatman dies",
    genre: "fantasy_kr",
    text: `윤하의 눈앞에서 늙은 뱃사공이 숨을 거두었다. 태주는 그 곁에 무릎을 꿇고 노인의 눈을 감겨 주었다.`,
    trap: "a stranger dies beside the cast",
  },
  {
    name: "cut down in the fog",
    genre: "fantasy_kr",
    text: `짧은 순간이었다. 강무결은 망설임 없이 검을 휘둘러 백린을 베어 죽였다. 피가 안개 속으로 번졌다.`,
    deaths: ["baek-rin"],
    trap: "the killer must not die",
  },
  {
    name: "the villain falls (present tense)",
    genre: "fantasy_kr",
    text: `윤하의 검이 달빛을 가르며 강무결의 심장을 꿰뚫는다. 흑월 대주는 믿을 수 없다는 듯 자신의 가슴을 내려다본다.

그리고 무너지듯 쓰러져, 다시는 일어나지 못한다.`,
    deaths: ["gang-mugyeol"],
  },
  {
    name: "the old master's last smile",
    genre: "fantasy_kr",
    text: `강무결의 검에 옆구리를 깊숙이 베인 도진명은 피로 물든 바위에 등을 기댄 채 마지막으로 윤하를 향해 웃어 보였고, 결국 그 자리에서 숨을 거두었다.`,
    deaths: ["do-jinmyeong"],
  },
  {
    name: "two taken in an ambush",
    genre: "fantasy_kr",
    text: `흑월산 기슭의 매복은 완벽했다. 태주와 백린은 흑월회의 포로로 잡혔다. 윤하만이 가까스로 포위를 뚫고 달아났다.`,
    captured: ["han-taeju", "baek-rin"],
  },
  {
    name: "the night the hall burned (flashback)",
    genre: "fantasy_kr",
    text: `윤하는 눈을 감고 그날 밤을 떠올렸다.

불길이 검장을 삼키고 있었다. 아버지는 윤하를 지하 검실로 밀어 넣었다. 그리고 문이 닫히기 직전, 아버지는 흑월회의 칼에 쓰러져 숨을 거두었다.`,
    trap: "an old death of someone outside the cast, in a flashback",
  },
  {
    name: "the scar's story",
    genre: "fantasy_kr",
    text: `태주의 왼뺨에 흉터가 생긴 것은 열다섯 살 때였다. 그해 겨울, 태주는 산적의 칼에 깊은 상처를 입었다. 지금은 희미한 선으로만 남아 있었다.`,
    trap: "an old injury, told as backstory",
  },
  {
    name: "a vow to kill",
    genre: "fantasy_kr",
    text: `무결은 반드시 윤하를 죽이겠다고 다짐했다. 검집을 쥔 손등 위로 핏줄이 불거졌다.`,
    trap: "an intention",
  },
  {
    name: "sleeping like the dead",
    genre: "fantasy_kr",
    text: `지친 백린은 객잔 방에 들어서자마자 죽은 듯이 잠들었다. 태주는 문간에 기대앉아 밤새 그의 곁을 지켰다.`,
    trap: "a simile",
  },
  {
    name: "a messenger's report",
    genre: "fantasy_kr",
    text: `전령의 보고는 짧았다. 한 호위는 안개 나루 전투에서 전사했다. 윤하는 보고서를 쥔 채 한참 동안 움직이지 않았다.`,
    deaths: ["han-taeju"],
  },
  {
    name: "assassins in the palace",
    genre: "fantasy_kr",
    text: `그날 밤 흑월회의 자객들이 궁에 잠입해 이연화를 살해했다. 근위대가 침소에 들이닥쳤을 때는 이미 모든 것이 끝난 뒤였다.`,
    deaths: ["lee-yeonhwa"],
  },
  {
    name: "a failed assassination",
    genre: "fantasy_kr",
    text: `자객은 연화 공주를 살해하려 했지만, 태주의 검이 한발 빨랐다. 자객의 단검이 바닥을 굴렀다.`,
    trap: "an attempt",
  },
  {
    name: "the black wolf",
    genre: "fantasy_kr",
    text: `흑월회에는 ‘흑랑’이라 불리는 자객이 있었다. 누구도 그의 얼굴을 본 적이 없었다. 그가 지나간 자리에는 검은 깃털 하나만이 남는다고 했다.`,
    intros: ["흑랑"],
  },
  {
    name: "a wanderer with no name",
    genre: "fantasy_kr",
    text: `“이름 따위는 없소. 그냥 나그네라고 부르시오.”

사내는 그렇게 말하고 삿갓을 깊이 눌러썼다. 백린이라는 술사를 찾고 있다는 소문만이 그의 뒤를 따랐다.`,
    trap: "common nouns and a known name in introduction patterns",
  },
  {
    name: "the capital's gate",
    genre: "fantasy_kr",
    text: `일행은 닷새 만에 월하성에 도착했다. 성문 앞에는 검문을 기다리는 행렬이 길게 늘어서 있었다.`,
    trap: "a known place",
  },
  {
    name: "the sorcerer swears",
    genre: "fantasy_kr",
    text: `모닥불이 잦아들 무렵, 백린은 오래 망설이던 말을 꺼냈다. 백린은 윤하에게 충성을 맹세했다. 그 목소리에는 평소의 능청이 조금도 섞여 있지 않았다.`,
    relations: ["baek-rin SERVES formed seo-yunha"],
  },
  {
    name: "joining the black moon",
    genre: "fantasy_kr",
    text: `열여덟 살이 되던 봄, 결국 백린은 흑월회에 가입했다. 그것이 그가 평생 감추어 온 과거의 시작이었다.`,
    relations: ["baek-rin MEMBER_OF formed heukwol-hoe"],
  },
  {
    name: "the second-in-command",
    genre: "fantasy_kr",
    text: `흑월회의 부대주, 사혁이라는 사내가 앞으로 나섰다. 그는 검을 뽑자마자 태주에게 달려들었다.

태주의 검이 한 번 번뜩였다. 사혁은 외마디 비명과 함께 쓰러져 숨졌다.`,
    intros: ["사혁"],
    deaths: ["@사혁"],
  },
  {
    name: "the frost seal",
    genre: "fantasy_kr",
    text: `먼지 쌓인 서가 사이를 한참 뒤진 끝에, 윤하는 왕실 서고의 비밀 서랍에서 서리 인장을 손에 넣었다. 차가운 은빛이 손바닥을 파고들었다.`,
    relations: ["seo-yunha OWNS formed seori-insang"],
  },
  {
    name: "a wound to the heart",
    genre: "fantasy_kr",
    text: `태주의 배신에 윤하는 마음에 깊은 상처를 입었다. 그녀는 그날 밤 한 번도 검을 놓지 않았다.`,
    trap: "a figurative wound",
  },
  {
    name: "ready to die",
    genre: "fantasy_kr",
    text: `태주는 죽음을 각오했다. 그러나 자객의 칼은 끝내 그에게 닿지 않았다. 소월의 빛이 칼날을 튕겨 냈다.`,
    trap: "resolve, not death",
  },
  {
    name: "a clean beheading",
    genre: "fantasy_kr",
    text: `태주의 검이 허공을 갈랐다. 그는 단숨에 흑월회 자객의 목을 베었다. 피 한 방울 튀지 않은 깔끔한 일격이었다.`,
    trap: "someone outside the cast is killed by the cast",
  },
  // ---------------------------------------------------------------- noir
  {
    name: "found behind warehouse seven",
    genre: "modern_noir",
    text: `비는 새벽까지 그치지 않았다. 부두 7번 창고 뒤편, 녹슨 컨테이너 사이에서 노상철은 싸늘한 시신으로 발견되었다. 주머니에는 구겨진 담배 한 갑과 도윤의 명함이 들어 있었다.`,
    deaths: ["no-sangcheol"],
  },
  {
    name: "behind the police line",
    genre: "modern_noir",
    text: `과학수사대의 플래시가 연신 터졌다. 도윤은 폴리스 라인 너머로 노 영감의 시신을 내려다보았다. 목에 남은 검붉은 자국. 누군가 그를 조용히 처리한 것이다.`,
    deaths: ["no-sangcheol"],
  },
  {
    name: "a rumour on the docks",
    genre: "modern_noir",
    text: `서지안이 이미 죽었다는 소문이 부두에 돌았다. 도윤은 믿지 않았다. 시신이 없으면 죽은 게 아니다. 그게 형사 시절 그가 배운 첫 번째 원칙이었다.`,
    trap: "a rumour",
  },
  {
    name: "shot in the shoulder",
    genre: "modern_noir",
    text: `총성이 두 번 울렸다. 세라가 비명을 질렀다.

차도윤은 어깨에 총을 맞았다. 뜨거운 쇠꼬챙이가 살을 뚫고 들어오는 느낌이었다. 그는 벽을 짚고 간신히 버텼다.`,
    injuries: ["cha-doyun"],
  },
  {
    name: "the call at midnight",
    genre: "modern_noir",
    text: `예담이 납치되었다. 전화기 너머로 들려온 것은 변조된 목소리였다.

‘동생을 살리고 싶으면 장부를 가져와.’

도윤은 수화기를 쥔 손에 힘을 주었다.`,
    captured: ["seo-yedam"],
  },
  {
    name: "the reporter vanished",
    genre: "modern_noir",
    text: `윤세라 기자가 실종됐다. 마지막 통화는 어젯밤 열한 시 십이 분이었다. 그 뒤로 그녀의 휴대폰은 꺼져 있었다.`,
    missing: ["yoon-sera"],
  },
  {
    name: "the lawyer in grey",
    genre: "modern_noir",
    text: `사무실 문이 열리고 회색 정장을 입은 남자가 들어왔다. 그는 자신을 해성개발의 법률 고문 백도진이라고 소개했다. 매끈하게 빗어 넘긴 머리에서 값비싼 향수 냄새가 났다.`,
    intros: ["백도진"],
  },
  {
    name: "a photo at the bar",
    genre: "modern_noir",
    text: `“혹시 정미란이라는 여자를 아십니까?”

도윤이 사진을 내밀었다. 바텐더는 잠시 사진을 들여다보더니 고개를 저었다.`,
    intros: ["정미란"],
  },
  {
    name: "the boss's mistake",
    genre: "modern_noir",
    text: `마진혁은 서지안이 죽었다고 생각했다. 장부도 함께 바다 밑으로 가라앉았다고. 그러나 그것은 그의 착각이었다.`,
    trap: "a belief",
  },
  {
    name: "a confession in the rain",
    genre: "modern_noir",
    text: `“좋아해요, 도윤 씨.”

빗소리에 묻힐 만큼 작은 목소리였다. 윤세라는 그날 밤 도윤에게 마음을 고백했다. 도윤은 아무 대답도 하지 못한 채 식어 버린 커피만 내려다보았다.`,
    relations: ["yoon-sera LOVES formed cha-doyun"],
  },
  {
    name: "a vow of revenge",
    genre: "modern_noir",
    text: `장례식장을 나서며 예담은 이를 악물었다. 서예담은 마진혁에게 복수를 맹세했다. 검은 상복 자락이 바람에 펄럭였다.`,
    relations: ["seo-yedam HATES formed ma-jinhyeok"],
  },
  {
    name: "the news by phone",
    genre: "modern_noir",
    text: `“상철이가 죽었어.”

전화기 너머 하람의 목소리가 갈라졌다. 도윤은 한참 동안 아무 말도 하지 못했다.`,
    deaths: ["no-sangcheol"],
  },
  {
    name: "arrested at dawn",
    genre: "modern_noir",
    text: `새벽 다섯 시, 마진혁은 자택에서 체포되었다. 수갑을 찬 그는 카메라 플래시 앞에서도 미소를 잃지 않았다.`,
    captured: ["ma-jinhyeok"],
  },
  {
    name: "maybe already dead",
    genre: "modern_noir",
    text: `지안은 이미 죽었을지도 모른다. 도윤은 그 생각을 애써 밀어냈다. 살아 있다. 살아 있어야 한다.`,
    trap: "a hypothesis",
  },
  {
    name: "playing dead",
    genre: "modern_noir",
    text: `노상철은 바닥에 엎드린 채 죽은 척했다. 발소리가 멀어질 때까지 숨조차 쉬지 않았다.`,
    trap: "a pretence",
  },
  {
    name: "the driver in the warehouse",
    genre: "modern_noir",
    text: `창고 안쪽에서 한 사내가 신음하고 있었다. 그의 이름은 구태식, 해성개발의 운전기사였다.

도윤이 다가갔을 때 구태식은 이미 숨이 끊어져 있었다.`,
    intros: ["구태식"],
    deaths: ["@구태식"],
  },
  {
    name: "dying in the ambulance (present tense)",
    genre: "modern_noir",
    text: `구급차 안에서, 노상철은 도윤의 손을 붙잡은 채 숨을 거둔다. 사이렌 소리만이 빗길을 찢는다.`,
    deaths: ["no-sangcheol"],
  },
  {
    name: "a wish",
    genre: "modern_noir",
    text: `가끔은 마진혁 같은 놈이 그냥 죽었으면 좋겠다고, 도윤은 생각했다. 그리고 그런 생각을 하는 자신이 싫었다.`,
    trap: "a wish",
  },
  {
    name: "beaten in the alley",
    genre: "modern_noir",
    text: `권하람은 조직원 셋에게 둘러싸여 몰매를 맞았다. 갈비뼈가 부러졌다. 그녀는 응급실 침대에 누워서도 수사 보고서를 놓지 않았다.`,
    injuries: ["kwon-haram"],
  },
  {
    name: "a hand on her wrist",
    genre: "modern_noir",
    text: `세라는 골목을 빠져나가려다 누군가에게 손목을 붙잡혔다. 돌아보니 하람이었다.`,
    trap: "a hand, not a capture",
  },
  {
    name: "the new detective",
    genre: "modern_noir",
    text: `새로 부임한 형사의 이름은 장도혁이었다. 장도혁 형사는 첫날부터 도윤의 사무실 문을 두드렸다.

두 사람은 그렇게 처음 만났다. 도윤은 장도혁과 짧게 인사를 나눴다.`,
    intros: ["장도혁"],
    relations: ["cha-doyun KNOWS formed @장도혁", "@장도혁 KNOWS formed cha-doyun"],
  },
  {
    name: "the informant sells out",
    genre: "modern_noir",
    text: `돈 봉투는 두꺼웠다. 노상철은 결국 도윤을 배신했다. 그는 창고의 위치를 마진혁 쪽에 넘겼다.`,
    relations: ["no-sangcheol SERVES broken cha-doyun"],
  },
  {
    name: "an order over smoke",
    genre: "modern_noir",
    text: `“그 여자, 죽었다고 전해.”

마진혁이 담배 연기를 길게 내뿜었다. 창밖으로 서항의 불빛이 번졌다.`,
    trap: "an order in dialogue",
  },
  // ---------------------------------------------------------------- romance
  {
    name: "too close",
    genre: "romance_comedy",
    text: `이준이 갑자기 얼굴을 가까이 들이밀었다. 소율은 심장이 멎는 줄 알았다.

‘미쳤어, 미쳤어. 이러다 진짜 죽겠어.’

창피해서 죽을 것 같았다.`,
    trap: "figures of speech",
  },
  {
    name: "a scolding",
    genre: "romance_comedy",
    text: `박 상무의 호통에 재호는 완전히 기가 죽었다. 회의실 공기가 얼어붙었다.`,
    trap: "an idiom with 죽었다",
  },
  {
    name: "the rooftop confession",
    genre: "romance_comedy",
    text: `옥상 정원의 조명이 하나둘 켜졌다. 강이준은 한참을 망설이다 소율을 사랑한다고 고백했다. 계약서 따위는 이제 아무래도 좋았다.`,
    relations: ["kang-ijun LOVES formed han-soyul"],
  },
  {
    name: "the new hire",
    genre: "romance_comedy",
    text: `“안녕하세요! 오늘부터 마케팅팀에서 일하게 된 신입 사원입니다. 제 이름은 나보람이에요!”

반짝이는 눈망울에 사무실이 순간 조용해졌다. 소율은 다은과 눈을 마주쳤다.`,
    intros: ["나보람"],
  },
  {
    name: "a café behind the office",
    genre: "romance_comedy",
    text: `다은이 소율을 끌고 간 곳은 회사 뒷골목의 모모라는 카페였다. 창가 자리에 앉자마자 다은은 팔짱을 끼고 소율을 노려보았다.

“자, 이제 불어. 강 팀장이랑 무슨 사이야?”`,
    places: ["모모"],
  },
  {
    name: "first greetings",
    genre: "romance_comedy",
    text: `회식 자리 끝에서, 채린은 다은과 처음 인사를 나누었다. 두 사람은 의외로 술 취향이 같았다.`,
    relations: ["yoon-chaerin KNOWS formed oh-daeun", "oh-daeun KNOWS formed yoon-chaerin"],
  },
  {
    name: "smiles that vanish",
    genre: "romance_comedy",
    text: `이준은 말없이 회의실 밖으로 사라졌다. 소율의 얼굴에서 미소가 사라졌다.`,
    trap: "leaving the room is not going missing",
  },
  {
    name: "a dead phone",
    genre: "romance_comedy",
    text: `배터리가 다 된 휴대폰이 꺼졌다. 소율은 절망했다. 하필 지금 폰이 죽다니.`,
    trap: "a phone dies",
  },
  {
    name: "the chairwoman's winter",
    genre: "romance_comedy",
    text: `강말순 회장은 그해 겨울, 잠든 채로 조용히 돌아가셨다. 장례식장에서 이준은 한 번도 울지 않았다.`,
    deaths: ["kang-malsun"],
  },
  {
    name: "grandmother goes home",
    genre: "romance_comedy",
    text: `말순 여사는 손주며느리 후보를 실컷 구경한 뒤 댁으로 돌아가셨다. 이준은 그제야 넥타이를 풀었다.`,
    trap: "돌아가셨다 as going home",
  },
  // ------------------------------------------------ written after the first tuning, run as found
  {
    name: "the princess in the rain of arrows",
    genre: "fantasy_kr",
    text: `성벽 위에서 화살이 쏟아지던 그 순간, 연화 공주는 자신을 향해 날아드는 화살을 보지 못했다. 근위대장이 몸을 날렸지만 이미 늦은 뒤였다. 화살은 그녀의 가슴 깊숙이 박혔다.

윤하가 달려갔을 때, 공주의 얼굴은 이미 창백하게 식어 가고 있었다. 이연화의 심장이 멈췄다.`,
    deaths: ["lee-yeonhwa"],
  },
  {
    name: "he was dying, not dead",
    genre: "fantasy_kr",
    text: `백린은 피를 너무 많이 흘렸다. 그는 죽어 가고 있었다. 윤하는 그의 상처를 두 손으로 틀어막으며 소월을 불렀다.

“버텨요, 백린. 제발.”

정령의 빛이 상처 위로 스며들었다. 새벽이 올 무렵, 백린의 숨결은 조금씩 고르게 돌아왔다.`,
    trap: "dying, then saved",
  },
  {
    name: "the master's tale of his own master",
    genre: "fantasy_kr",
    text: `도진명은 찻잔을 내려놓았다. “내 스승님은 흑월산 제단에서 돌아가셨다. 그 일은 지금도 내 꿈에 나오지.”

윤하는 아무 말도 하지 못했다. 노인의 눈가에 깊은 주름이 잡혔다.`,
    trap: "a death told in dialogue, of someone outside the cast",
  },
  {
    name: "a ferryman named",
    genre: "fantasy_kr",
    text: `나룻배를 모는 노인은 자신을 곽 노인이라 불러 달라고 했다. 그러나 배에 오른 뒤에야 윤하는 그의 진짜 이름이 곽도삼이라는 것을 알게 되었다. 곽도삼은 삿대를 저으며 흥얼거렸다.`,
    intros: ["곽도삼"],
  },
  {
    name: "a duel ends",
    genre: "fantasy_kr",
    text: `마지막 일격은 조용했다. 태주의 검이 사혁의 칼을 튕겨 내고, 그대로 가슴을 파고들었다. 사혁은 무릎을 꿇었다. 그리고 앞으로 고꾸라졌다.

그는 다시는 일어나지 못했다.`,
    trap: "a stranger the Bible does not know (no introduction) dies",
  },
  {
    name: "tied to a pillar",
    genre: "fantasy_kr",
    text: `눈을 떴을 때, 윤하는 차가운 돌기둥에 묶여 있었다. 손목을 감은 쇠사슬이 덜그럭거렸다. 흑월회의 지하 감옥이었다.

윤하는 흑월회에 사로잡혔다. 월광검은 보이지 않았다.`,
    captured: ["seo-yunha"],
  },
  {
    name: "the sorcerer's oath of hatred",
    genre: "fantasy_kr",
    text: `불타는 고향을 뒤로한 그날부터, 백린은 강무결을 원수로 여겼다. 그 이름만 들어도 손끝이 떨렸다.`,
    relations: ["baek-rin HATES formed gang-mugyeol"],
  },
  {
    name: "a near miss with poison",
    genre: "fantasy_kr",
    text: `찻잔에서 쓴 냄새가 났다. 윤하는 입술에 닿기 직전 잔을 내려놓았다. 하마터면 독에 당할 뻔했다. 태주가 찻잔을 빼앗아 창밖으로 던졌다.`,
    trap: "a near miss",
  },
  {
    name: "the spirit introduces a friend",
    genre: "fantasy_kr",
    text: `‘저 아이 이름은 설하야.’ 소월이 속삭였다. ‘달의 정령들 중에서 가장 어린 아이지.’

설하라는 정령은 윤하의 어깨 위에 내려앉아 고개를 갸웃거렸다.`,
    intros: ["설하"],
  },
  {
    name: "leaving the capital",
    genre: "fantasy_kr",
    text: `새벽안개가 걷히기도 전에 일행은 월하성을 떠났다. 목적지는 왕도 남쪽의 백운사라는 절이었다. 도진명의 옛 벗이 그곳에 머물고 있다고 했다.`,
    places: ["백운사"],
  },
  {
    name: "nobody knew the sword saint died",
    genre: "fantasy_kr",
    text: `그날 밤, 도진명은 홀로 흑월산에 올랐다. 그리고 다시는 돌아오지 않았다. 사흘 뒤 산 아래 마을 사람들이 계곡에서 도 노인의 시신을 찾아냈다.`,
    deaths: ["do-jinmyeong"],
  },
  {
    name: "first-person detective: a friend is shot",
    genre: "modern_noir",
    text: `나는 방아쇠 소리를 듣지 못했다. 들은 건 유리창이 깨지는 소리와, 세라의 짧은 비명뿐이었다.

세라는 옆구리를 부여잡고 주저앉았다. 손가락 사이로 피가 배어 나왔다. 윤세라는 옆구리에 총상을 입었다.`,
    injuries: ["yoon-sera"],
  },
  {
    name: "idiom: not even if I die and wake",
    genre: "modern_noir",
    text: `도윤은 죽었다 깨어나도 그 얼굴을 잊지 못할 것이다. 십 년 전 취조실에서 본, 웃고 있던 마진혁의 얼굴을.`,
    trap: "an idiom with 죽었다",
  },
  {
    name: "the ledger changes hands",
    genre: "modern_noir",
    text: `지안은 떨리는 손으로 봉투를 내밀었다. 도윤은 검은 장부를 손에 넣었다. 표지의 가죽이 빗물에 젖어 있었다.`,
    relations: ["cha-doyun OWNS formed hidden-ledger"],
  },
  {
    name: "the sister's secret",
    genre: "modern_noir",
    text: `예담은 끝내 울음을 터뜨렸다. 언니는 죽지 않았다고, 자신이 언니를 숨겼다고. 서지안은 살아 있었다.

도윤은 한동안 아무 말도 하지 않았다.`,
    trap: "negations",
  },
  {
    name: "the haram's resignation",
    genre: "modern_noir",
    text: `권하람은 사직서를 책상 위에 올려놓았다. 그날 오후, 권하람은 서항경찰서 강력팀을 떠났다. 십이 년 만이었다.`,
    relations: ["kwon-haram MEMBER_OF broken seohang-pd"],
  },
  {
    name: "the enforcer",
    genre: "modern_noir",
    text: `마진혁의 뒤에는 늘 말없는 사내 하나가 서 있었다. 사람들은 그를 곰이라고 불렀다. 본명은 아무도 몰랐다. 그가 지나가면 부두의 인부들은 고개를 숙였다.`,
    trap: "a nickname without a name pattern",
  },
  {
    name: "the jump",
    genre: "modern_noir",
    text: `노상철은 옥상 난간 위에 서 있었다. 바람이 그의 낡은 점퍼를 부풀렸다. 도윤이 손을 뻗었지만, 노 영감은 뒤로 몸을 던졌다.

아래에서 둔탁한 소리가 났다. 노상철은 즉사했다.`,
    deaths: ["no-sangcheol"],
  },
  {
    name: "a kiss in the office",
    genre: "romance_comedy",
    text: `불 꺼진 사무실, 모니터 불빛만이 두 사람의 얼굴을 비췄다. 이준은 소율과 입을 맞췄다. 아주 짧고, 아주 조심스럽게.`,
    relations: ["kang-ijun LOVES formed han-soyul", "han-soyul LOVES formed kang-ijun"],
  },
  {
    name: "the rival's arrival",
    genre: "romance_comedy",
    text: `회의실 문이 열리고 낯선 남자가 들어섰다. “오늘부터 전략기획팀을 맡게 된 차서준입니다.” 그는 소율을 향해 눈을 찡긋했다.`,
    intros: ["차서준"],
  },
  {
    name: "a dropped contract",
    genre: "romance_comedy",
    text: `소율은 결국 계약서를 찢어 버렸다. 종잇조각이 바람에 흩날렸다. 이준은 그 모습을 한참 동안 바라만 보았다.`,
    trap: "no relation vocabulary",
  },
  {
    name: "a sprained ankle",
    genre: "romance_comedy",
    text: `워크숍 족구 시합에서 민재호는 공을 쫓다 넘어져 다리가 부러졌다. 깁스를 한 민 과장은 그 뒤로 한 달 동안 목발 신세를 졌다.`,
    injuries: ["min-jaeho"],
  },
  {
    name: "a grandmother's threat",
    genre: "romance_comedy",
    text: `“그 계집애랑 결혼하면 난 죽어 버릴 거다!” 말순 여사가 지팡이로 바닥을 쾅 쳤다. 이준은 한숨을 쉬며 넥타이를 느슨하게 풀었다.`,
    trap: "a dramatic threat",
  },
  {
    name: "lost in a mall",
    genre: "romance_comedy",
    text: `쇼핑몰 한가운데서 다은이 사라졌다. 소율은 휴대폰을 꺼내 전화를 걸었다. 다은은 삼 층 신발 가게에서 태연하게 운동화를 고르고 있었다.`,
    trap: "a friend wanders off for a minute",
  },
  {
    name: "the chairwoman's hospital",
    genre: "romance_comedy",
    text: `강말순 회장이 쓰러졌다는 소식에 이준은 회의 도중 뛰쳐나갔다. 병실의 말순 여사는 산소마스크를 쓴 채 잠들어 있었다. 의사는 고비는 넘겼다고 했다.`,
    trap: "a collapse, not a death",
  },
  // ------------------------------------------------ a third batch, written after the second tuning, run as found
  {
    name: "a long night at the ferry (mixed)",
    genre: "fantasy_kr",
    text: `# 제14화 안개 나루의 밤

안개가 강 위로 낮게 깔렸다. 나룻배 세 척이 말뚝에 묶인 채 삐걱거렸다.

“여기서 하룻밤 묵어 가지.” 백린이 짐을 내려놓으며 말했다.

윤하는 고개를 끄덕였다. 태주는 말없이 주변을 살폈다. 그의 손은 여전히 검자루 위에 있었다.

자정이 가까울 무렵, 나루터 주막의 문이 거칠게 열렸다. 검은 가면을 쓴 자들이 쏟아져 들어왔다. 흑월회였다.

“서가의 막내를 내놓아라.”

태주가 먼저 움직였다. 그의 검이 첫 번째 자객의 팔을 베었다. 두 번째, 세 번째. 그러나 수가 너무 많았다. 백린의 술식이 주막 안을 환하게 밝혔고, 그 틈에 윤하는 뒷문으로 빠져나갔다.

싸움이 끝났을 때, 백 술사는 오른쪽 어깨에 화살을 맞았다. 태주는 이마에서 흐르는 피를 소매로 훔쳤다.

“괜찮습니까?”

“죽지는 않아.” 백린이 이를 악물었다.`,
    injuries: ["baek-rin"],
    trap: "a fight in which nobody of the cast dies",
  },
  {
    name: "first person: the day my partner died",
    genre: "modern_noir",
    text: `나는 그날을 잊지 못한다. 아니, 잊을 수가 없다.

창고의 철문이 닫히는 소리. 그리고 총성. 내가 돌아봤을 때 권하람은 이미 바닥에 쓰러져 있었다. 피가 콘크리트 바닥을 타고 번졌다.

나는 그녀를 끌어안았다. 권하람은 내 품에서 마지막 숨을 몰아쉬었다. 그리고 더 이상 움직이지 않았다.`,
    deaths: ["kwon-haram"],
  },
  {
    name: "the sorcerer's heart stops",
    genre: "fantasy_kr",
    text: `소월의 빛이 잦아들었다. 술식의 반동이 백린의 몸을 덮쳤다.

백린의 숨이 끊어졌다. 윤하가 그의 이름을 몇 번이고 불렀지만, 대답은 없었다.`,
    deaths: ["baek-rin"],
  },
  {
    name: "she would have died",
    genre: "romance_comedy",
    text: `트럭이 경적을 울리며 지나갔다. 이준이 소율의 팔을 낚아채지 않았다면, 한소율은 그 자리에서 죽었을지도 몰랐다. 소율은 이준의 품에 안긴 채 한참 동안 숨만 몰아쉬었다.`,
    trap: "a death that did not happen",
  },
  {
    name: "the informant is taken",
    genre: "modern_noir",
    text: `검은 승합차가 골목 입구를 막았다. 사내 넷이 내리더니 노상철의 양팔을 붙들었다. 노 영감은 발버둥 쳤지만 소용없었다. 노상철은 그대로 승합차에 실려 끌려갔다. 도윤이 뛰어왔을 때 골목에는 떨어진 담배꽁초 하나만 남아 있었다.`,
    captured: ["no-sangcheol"],
  },
  {
    name: "the tale of the first master",
    genre: "fantasy_kr",
    text: `백린은 모닥불을 뒤적이며 옛이야기를 꺼냈다. 서가 검문을 세운 첫 검주는 흑월산 제단에서 홀로 싸우다 전사했다고 했다. 그의 검이 바로 월광검이었다. 윤하는 말없이 검집을 쓰다듬었다.`,
    trap: "a legend of someone outside the cast",
  },
  {
    name: "the heiress named",
    genre: "romance_comedy",
    text: `회장실 문이 열리고 하늘식품 창업주의 손녀가 들어섰다. 그녀의 이름은 강세린이었다. 강세린은 소율을 아래위로 훑어보더니 코웃음을 쳤다. “당신이 그 계약 연애 상대?”`,
    intros: ["강세린"],
  },
  {
    name: "a fake name",
    genre: "modern_noir",
    text: `“김 씨라고 불러요. 이름은 중요하지 않으니까.” 여자는 담배에 불을 붙였다. 도윤은 그녀의 손목에 새겨진 문신을 눈여겨보았다.`,
    trap: "no name is given",
  },
  {
    name: "the princess marries the cause",
    genre: "fantasy_kr",
    text: `연화 공주는 근위대 앞에서 검을 들어 올렸다. 그날 밤, 이연화는 윤하에게 충성을 맹세했다. 공주가 무릎을 꿇는 모습을 본 근위병들이 하나둘 그 뒤를 따랐다.`,
    relations: ["lee-yeonhwa SERVES formed seo-yunha"],
  },
  {
    name: "a fall from the roof (negated)",
    genre: "romance_comedy",
    text: `민재호는 옥상 난간에 기대 있다가 미끄러졌다. 다행히 아래층 천막 위로 떨어졌다. 재호는 다치지 않았다. 다만 그날 이후 옥상 근처에는 얼씬도 하지 않았다.`,
    trap: "a fall without an injury",
  },
  {
    name: "the sword saint taken by the palace",
    genre: "fantasy_kr",
    text: `왕명을 받든 근위대가 산속 암자를 덮쳤다. 도진명은 저항하지 않았다. 은둔 검성은 순순히 포박되어 왕도로 압송되었다. 그리고 월하성의 지하 뇌옥에 갇혔다.`,
    captured: ["do-jinmyeong"],
  },
  {
    name: "gossip at the water cooler",
    genre: "romance_comedy",
    text: `“들었어? 박 상무님 회사 잘렸대.” 다은이 속삭였다. 소율은 커피를 내려놓았다. “진짜? 언제?” “어제. 짐 싸서 나가셨대.”`,
    trap: "rumours in dialogue",
  },
  {
    name: "the boss falls from the pier",
    genre: "modern_noir",
    text: `마진혁은 부두 끝까지 밀려났다. 도윤의 총구가 그의 가슴을 겨누고 있었다. 마진혁은 웃었다. 그리고 스스로 검은 바다로 몸을 던졌다.

사흘 뒤, 해경은 서항 앞바다에서 마진혁의 시신을 인양했다.`,
    deaths: ["ma-jinhyeok"],
  },
  {
    name: "a memory of the fire",
    genre: "fantasy_kr",
    text: `태주는 불길 속을 뛰던 그 밤을 떠올렸다. 그때 그는 왼팔에 깊은 화상을 입었다. 흉터는 지금도 소매 아래 남아 있었다.`,
    trap: "an old wound, remembered",
  },
  {
    name: "a rival declared",
    genre: "romance_comedy",
    text: `윤채린은 회의실 유리벽 너머로 소율을 바라보았다. 그날부터 채린은 소율을 라이벌로 여겼다. 소율은 그 사실을 까맣게 몰랐다.`,
    relations: ["yoon-chaerin RIVAL_OF formed han-soyul"],
  },
  {
    name: "the ledger is stolen",
    genre: "modern_noir",
    text: `서지안은 장부를 품에 안고 달렸다. 하지만 골목 끝에서 기다리던 사내들에게 검은 장부를 빼앗겼다. 지안은 무릎이 까진 채 주저앉았다.`,
    relations: ["seo-jian OWNS broken hidden-ledger"],
  },
  {
    name: "the child's question",
    genre: "fantasy_kr",
    text: `“언니, 태주 아저씨는 죽었어요?” 아린이 물었다. 윤하는 대답 대신 아이의 머리를 쓰다듬었다. 창밖으로 태주가 장작을 패는 소리가 들려왔다.`,
    trap: "a question in dialogue, and the man alive outside",
  },
  {
    name: "the old informant's last breath",
    genre: "modern_noir",
    text: `응급실의 형광등이 깜빡였다. 노상철은 산소마스크 너머로 도윤을 올려다보았다. 무언가 말하려는 듯 입술이 움직였다. 하지만 끝내 말을 잇지 못하고, 노상철은 그대로 눈을 감았다. 심전도 모니터의 선이 평평해졌다.`,
    deaths: ["no-sangcheol"],
  },
  // ------------------------------------------------ releases (written with the rule that reads them)
  {
    name: "out of the dungeon",
    genre: "fantasy_kr",
    before: { "baek-rin": "captured" },
    text: `사흘 밤낮을 버틴 끝에, 백린은 뇌옥에서 풀려났다. 수척해진 얼굴로 그는 햇빛을 향해 눈을 가늘게 떴다. 윤하가 말없이 그의 어깨에 외투를 걸쳐 주었다.`,
    released: ["baek-rin"],
  },
  {
    name: "the princess comes home",
    genre: "fantasy_kr",
    before: { "lee-yeonhwa": "missing" },
    text: `보름 만이었다. 사라졌던 연화 공주가 무사히 돌아왔다. 궁의 종이 아홉 번 울렸고, 근위병들은 창을 높이 들어 공주를 맞았다.`,
    released: ["lee-yeonhwa"],
  },
  {
    name: "a failed escape",
    genre: "fantasy_kr",
    before: { "baek-rin": "captured" },
    text: `백린은 간수의 열쇠를 훔쳐 탈출하려 했다. 그러나 복도 끝에서 다시 붙잡혔다. 그는 더 깊은 뇌옥으로 옮겨졌다.`,
    trap: "an attempt that fails, and a capture that already holds",
  },
  // ------------------------------------------------ a fourth batch: hard cases for deaths, run as found
  {
    name: "the play within the story",
    genre: "romance_comedy",
    text: `회사 창립 기념 연극에서 소율은 비운의 공주 역을 맡았다. 마지막 장면, 독이 든 사과를 베어 문 공주는 무대 위에서 쓰러져 숨을 거두었다. 객석에서 박수가 터졌다. 소율은 눈을 뜨고 일어나 관객들에게 고개를 숙였다.`,
    trap: "a death on stage, acted",
  },
  {
    name: "the novel she was reading",
    genre: "romance_comedy",
    text: `다은은 소설책을 덮으며 한숨을 쉬었다. “주인공이 죽었어. 어떻게 작가가 이럴 수 있어?” 소율은 웃으며 다은의 등을 두드렸다.`,
    trap: "a death in a book, in dialogue",
  },
  {
    name: "he lived",
    genre: "fantasy_kr",
    text: `화살은 태주의 심장을 비껴갔다. 의원은 한 뼘만 옆이었어도 즉사했을 거라고 했다. 태주는 사흘 만에 깨어났다.`,
    injuries: ["han-taeju"],
    trap: "a near death: an injury, not a death",
  },
  {
    name: "the enemy's report",
    genre: "fantasy_kr",
    text: `흑월회의 전령이 무결 앞에 무릎을 꿇었다. “서가의 계집이 숨을 거두었습니다.” 무결은 웃지 않았다. 그는 시신을 직접 보기 전에는 믿지 않는 사내였다.`,
    trap: "a false report in dialogue",
  },
  {
    name: "she died in his arms (pronoun, one mention)",
    genre: "modern_noir",
    text: `서지안의 몸이 점점 차가워졌다. 그녀는 마지막으로 희미하게 웃었다. 그리고 숨을 거두었다.`,
    deaths: ["seo-jian"],
  },
  {
    name: "dead to me",
    genre: "modern_noir",
    text: `“나한테 서예담은 죽었어.” 지안은 차갑게 말했다. 도윤은 두 자매 사이에 무슨 일이 있었는지 묻지 않았다.`,
    trap: "dead to someone, in dialogue",
  },
  {
    name: "the funeral of a stranger",
    genre: "modern_noir",
    text: `비 오는 공동묘지. 도윤은 이름 모를 부두 노동자의 장례식에 서 있었다. 그 사내는 지난주 크레인 사고로 죽었다. 차도윤은 관 위에 흰 국화를 올려놓았다.`,
    trap: "a stranger's death",
  },
  {
    name: "killed in the prologue (recap)",
    genre: "fantasy_kr",
    text: `지난 이야기. 삼 년 전 서가 검문은 하룻밤 사이에 무너졌고, 윤하의 오라버니는 그날 밤 흑월회의 칼에 목숨을 잃었다. 살아남은 것은 윤하 하나뿐이었다.`,
    trap: "a recap of an old death",
  },
  {
    name: "the duel to the death",
    genre: "fantasy_kr",
    text: `둘 중 하나는 죽어야 끝나는 싸움이었다. 윤하의 검이 무결의 검을 밀어냈다. 월광검이 흑월 대주의 가슴을 꿰뚫었다. 강무결은 피를 토하며 무릎을 꿇었고, 그대로 숨을 거두었다.`,
    deaths: ["gang-mugyeol"],
  },
  {
    name: "someone must die",
    genre: "fantasy_kr",
    text: `예언은 분명했다. 보름달이 뜨는 밤, 서가의 피를 이은 자가 죽는다. 윤하는 그 구절을 몇 번이고 다시 읽었다.`,
    trap: "a prophecy",
  },
  {
    name: "a coma",
    genre: "modern_noir",
    text: `윤세라는 혼수상태에 빠졌다. 의사는 언제 깨어날지 알 수 없다고 했다. 도윤은 병실 밖 복도에서 밤을 새웠다.`,
    trap: "a coma is no death",
  },
  {
    name: "buried alive (in a dream)",
    genre: "fantasy_kr",
    text: `땅속은 캄캄하고 차가웠다. 윤하는 흙을 긁으며 비명을 질렀다. 숨이 막혀 왔다. 윤하는 그렇게 죽었다.

“아가씨! 아가씨!” 태주의 목소리에 윤하는 벌떡 일어났다. 식은땀이 등을 적시고 있었다. 악몽이었다.`,
    trap: "a dream revealed only afterwards",
  },
  // ------------------------------------------------ a fifth batch: introductions, run as found
  {
    name: "her name, at the end",
    genre: "fantasy_kr",
    text: `검은 머리를 하나로 묶은 소녀는 활을 내려놓았다. 설가연. 그것이 그녀의 이름이었다. 설가연은 윤하를 빤히 바라보았다.`,
    intros: ["설가연"],
  },
  {
    name: "the village chief",
    genre: "fantasy_kr",
    text: `“내 이름은 조만석이오. 이 마을의 촌장이지.” 노인은 지팡이를 짚고 일어섰다. 조만석 촌장은 일행을 마을 회관으로 안내했다.`,
    intros: ["조만석"],
  },
  {
    name: "a boy named",
    genre: "fantasy_kr",
    text: `나루터에는 하준이라는 이름을 가진 소년이 있었다. 하준은 매일 아침 강물에 그물을 던졌다.`,
    intros: ["하준"],
  },
  {
    name: "a name tag",
    genre: "romance_comedy",
    text: `새로 온 인턴의 가슴팍에는 ‘임다현’이라고 적힌 명찰이 달려 있었다. 임다현은 소율에게 꾸벅 인사했다.`,
    intros: ["임다현"],
  },
  {
    name: "they called him the butcher",
    genre: "modern_noir",
    text: `부두 사람들은 그 사내를 백정이라고 불렀다. 본명은 아무도 몰랐다. 백정은 마진혁의 오른팔이었다.`,
    trap: "a nickname, not a name pattern the analyst reads (and 백정 is a common noun)",
  },
  {
    name: "the detective's card",
    genre: "modern_noir",
    text: `남자는 명함을 내밀었다. 서항경찰서 강력팀 경사 문태오. 도윤은 명함을 뒤집어 보았다. “문태오 경사님이라.”`,
    intros: ["문태오"],
  },
  {
    name: "introduced by a friend",
    genre: "romance_comedy",
    text: `“인사해, 여기는 내 대학 동기 배수진이야.” 다은이 옆자리의 여자를 가리켰다. 배수진은 소율에게 손을 흔들었다.`,
    intros: ["배수진"],
  },
  {
    name: "a common noun in a name's place",
    genre: "fantasy_kr",
    text: `“제 이름은 비밀이에요.” 소녀가 장난스럽게 웃었다. 윤하는 어깨를 으쓱했다. 이름 따위는 아무래도 좋았다.`,
    trap: "비밀 is no name",
  },
  {
    name: "a known alias named again",
    genre: "modern_noir",
    text: `“차 탐정이라는 사람을 찾고 있어요.” 여자가 말했다. 도윤은 담배를 비벼 끄며 고개를 들었다.`,
    trap: "a known alias in an introduction pattern",
  },
  {
    name: "a shop named after a man",
    genre: "modern_noir",
    text: `골목 끝에는 김씨네라는 작은 식당이 있었다. 도윤은 그곳에서 늦은 저녁을 먹었다.`,
    places: ["김씨네"],
  },
  {
    name: "a two-word village named with its noun, then '곳'",
    genre: "fantasy_kr",
    text: `해가 산등성이에 걸릴 무렵, 윤하와 태주는 붉은바위 마을이라는 곳에 닿았다. 바위산 아래 낮은 집들 사이로 검은 연기가 가늘게 피어올랐다.`,
    places: ["붉은바위 마을"],
  },
  {
    name: "a club named with its noun, then what it is",
    genre: "modern_noir",
    text: `민서가 건넨 주소는 흑조 클럽이라는 술집이었다. 간판의 네온은 절반이 나가 있었고, 도윤은 문 앞에서 잠시 망설였다.`,
    places: ["흑조 클럽"],
  },
  {
    name: "a small village is no name",
    genre: "fantasy_kr",
    text: `윤하는 작은 마을이라는 말에 고개를 저었다. 그곳은 이제 사람이 살지 않는 폐허였다.`,
    places: [],
  },
]
