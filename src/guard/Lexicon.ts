/**
 * Word lists behind the name checks. Korean has no capital letters, so a
 * person's name is told from a common noun by where it stands (the subject of
 * a speech verb, before 씨/님 or a title, a vocative) and by what it is not
 * (a pronoun, a kinship term, a role, a common noun in these lists).
 */

/** Pronouns, kinship terms, roles, generic people and other subjects that are not names. */
export const NOT_NAMES: ReadonlySet<string> = new Set(
  `
그 그녀 그들 그대 그분 그이 그자 그놈 그년 그쪽 이분 이쪽 저분 저쪽 저놈 이놈 이자 저자 자네 당신 너희 우리 저희 나 너 저 제 내 네
누구 누군가 아무 아무도 모두 모두들 다들 서로 자신 자기 스스로 상대 상대방 본인 녀석 이녀석 그녀석 저녀석 놈 분 쪽 한쪽 양쪽 둘 셋 하나 몇몇 일부 대부분 전부
사람 사람들 남자 여자 사내 여인 소년 소녀 청년 노인 노파 아이 아이들 꼬마 아기 어른 어린이 젊은이 늙은이 중년 신사 숙녀 아가씨 도련님 총각 처녀 부부 연인 애인
어머니 아버지 엄마 아빠 어머님 아버님 할머니 할아버지 할멈 영감 형 형님 누나 누님 언니 오빠 동생 남동생 여동생 아들 딸 아내 남편 부인 부모 친구 동료 선배 후배 부하 상관 상사 주인 주인님 하인 하녀 시녀 집사 스승 스승님 제자 손님 이웃 가족 식구 조카 삼촌 이모 고모 외삼촌 사촌 친척 사위 며느리 장인 장모
탐정 탐정님 대표 감독 코치 작가 주임 기장 소장 반장 형사님 이모님 사모 전하 폐하 저하 각하 마마 도사 법사 대사 선생 선생님 교수 교수님 박사 의사 간호사 환자 학생 기자 형사 경찰 경관 경찰관 검사 변호사 판사 비서 사장 사장님 회장 회장님 부장 과장 대리 팀장 실장 차장 국장 원장 이사 직원 점원 사원 신입 알바 운전사 기사 기사님 요리사 종업원 점장 주방장 바텐더 웨이터 경비 경비원 청소부 배달원 택배기사 목사 신부 수녀 스님 승려 무당 점쟁이
뱃사공 사공 마부 목동 약초꾼 약사 의원 포졸 포교 관리 나졸 군졸 호위 호위무사 내관 궁녀 상궁 환관 재상 대신 승상 장수 책사 머슴 노비 종 점소이 바리스타 기관사 조종사 승무원 수의사 회계사 관리인 소방관 순경 교도관 군의관 안내원 매니저 주민 행인 구경꾼 손님들 관객 승객 일행 무리 사내들 병사 군인 장군 기사 기사단장 대장 단장 부관 전령 척후 파수꾼 문지기 경비병 보초 용병 용사 영웅 마법사 마도사 술사 무사 무인 검사 검객 검성 궁수 자객 암살자 도적 산적 해적 상인 행상 장사꾼 대장장이 농부 어부 사냥꾼 나무꾼 광부 여관주인 주모 점원 시종 시녀장 집사장 사제 신관 성녀 마녀 현자 예언자 왕 왕자 공주 여왕 국왕 황제 황후 황태자 황녀 왕비 대왕 영주 귀족 공작 백작 후작 자작 남작 영애 영식 대감 나으리 나리 마님 도령 낭자 소저 대협 장로 문주 방주 교주 맹주 사부 사형 사제 사매 사저 제자들
목소리 목소리들 그림자 누군가의 정령 요정 드래곤 괴물 악마 천사 유령 귀신 마물 마수 몬스터 고블린 오크 늑대 여우 고양이 강아지 개 새 까마귀 말 용 짐승 로봇 인공지능 시스템 상태창 알림 메시지 안내 방송 라디오 텔레비전 전화 휴대폰 편지 쪽지 기계 인형
하늘 바람 달 해 별 비 눈 밤 낮 아침 저녁 새벽 시간 세상 마음 생각 기억 눈물 웃음 미소 얼굴 표정 눈빛 입술 고개 어깨 손 발 몸 머리 가슴 심장 숨 목 침묵 정적 공기 분위기 소리 소문 이야기 말 대답 질문 문 창문 방 집 길 거리 골목 도시 마을 숲 강 바다 산 성 궁 칼 검 불 빛 어둠
그러고 그러다 그리고 그러나 그런데 그러자 그래도 그러면 노을 구름 파도 물결 햇빛 바다 강물 빗소리 빗줄기 무언 누군 어딘 언젠 하루 이틀 사흘 나흘 한참 노승 나그네 여사 여보 아가 바보 멍청이 하느 어머 아버 정말 진짜 처음 오늘 내일 어제 지금 여기 저기 거기 어디 이거 그거 저거 이것 그것 저것 무엇 뭐 왜 어떻게 아니 그래 그럼 그런 이런 저런 어떤 다른 모든 같은 젊은 늙은 어린 작은 낯선 이상한 새로운 잠시 조금 다시 이제 이미 아직 결국 마침내 순간 동안 사이 듯 채 척
`.trim().split(/\s+/),
)

/** Feelings and other abstract nouns that prose lets act (`분노가 고개를 들었다`). */
export const ABSTRACT_NOUNS: ReadonlySet<string> = new Set(
  `용기 후회 부끄러움 안도 분노 의심 두려움 공포 불안 슬픔 기쁨 설렘 질투 호기심 짜증 초조 긴장 외로움 그리움 미안함 허탈함 막막함 죄책감
  절망 희망 의문 예감 충동 욕심 억울함 서러움 안도감 조바심 경계심 적의 살기 기대 걱정 근심 망설임 결심 각오 체념 증오 원망 연민 동정
  애정 사랑 미움 질투심 자존심 복수심 열등감 배신감 불길함 침착함 평온 평화 고요 적막 웃음 울음 한숨 침묵 정적 예감 직감 본능 이성 감정
  의지 결의 집념 광기 허기 피로 졸음 통증 고통 아픔 상처 추위 더위 냉기 온기 한기 열기 바람 안개 어둠 햇살 달빛 별빛 불빛 그늘 그림자`
    .trim().split(/\s+/),
)

/** Endings of abstract nouns (안도감, 경계심, 두려움, 허탈함, 슬픔 …); names hardly end so. */
export const ABSTRACT_SUFFIXES: ReadonlyArray<string> = ["감", "심", "움", "함", "픔", "쁨", "렘", "증"]

/**
 * Endings of role nouns and groups (기사단장, 경비대, 사냥꾼, 문지기, 마을 사람들 …).
 * Checked only on words of two or more syllables beyond the ending.
 */
export const ROLE_SUFFIXES: ReadonlyArray<string> = [
  "들", "님", "장", "사", "관", "병", "꾼", "지기", "녀", "년", "객", "단", "대", "족", "원", "부", "인", "자", "왕", "씨", "공", "졸", "수",
]

/**
 * Titles that follow a name with a space (`한 대리`, `레온 경`). Weak evidence:
 * a common noun stands there too (`영업부 과장`). Kinship words (형, 선배) are
 * left out: `동네 형`, `회사 선배` are far more common than names.
 */
export const TITLES: ReadonlyArray<string> = [
  "선생", "선생님", "교수", "교수님", "박사", "공작", "백작", "후작", "자작", "남작", "경", "공주", "왕자", "대리", "과장", "부장",
  "팀장", "실장", "차장", "사장", "회장", "형사", "경위", "경감", "기자", "작가", "도령", "낭자", "소저", "대협", "장로", "사부", "군", "양",
]

/** Words that end in 씨/님 of themselves (하느님, 아저씨, 마음씨 …). */
export const LEXICAL_HONORIFICS: ReadonlySet<string> = new Set(
  `하느님 하나님 부처님 선생님 사장님 회장님 교수님 어머님 아버님 도련님 주인님 스승님 형님 누님 손님 따님 아드님 임금님 공주님 왕자님
  마님 사모님 원장님 부장님 과장님 팀장님 실장님 이사님 대리님 기사님 의사님 신부님 목사님 수녀님 스님 선배님 사부님 장로님 나리님 부인님
  아저씨 아가씨 마음씨 솜씨 날씨 말씨 글씨 불씨 씨앗 맵씨 아줌마씨`.trim().split(/\s+/),
)

/** Verbs of speech (past and present narration). */
export const SPEECH_VERB =
  /(?:말했|말한다|되물었|물었|묻는다|대답했|대답한다|답했|답한다|외쳤|외친다|소리쳤|소리친다|속삭였|속삭인다|중얼거렸|중얼거린다|덧붙였|덧붙인다|말을 이었|입을 열었|입을 연다|대꾸했|투덜거렸|설명했|명령했|부탁했|말끝을 흐렸|되뇌었|웅얼거렸|읊조렸)/g

/** Gestures only people make. */
export const GESTURE_VERB =
  /(?:고개를 끄덕|고개를 저|고개를 갸웃|어깨를 으쓱|한숨을 쉬|한숨을 내쉬|입술을 깨물|혀를 찼|혀를 찬다|코웃음을 쳤|이를 악물|눈살을 찌푸|미소를 지|미소 지|씩 웃|피식 웃|빙긋 웃|웃었다|웃는다|웃음을 터뜨|얼굴을 붉|눈을 가늘게|팔짱을 끼|주먹을 쥐|손을 내밀|손을 흔들|고개를 들|고개를 숙|고개를 돌|걸음을 옮|자리에서 일어|눈을 감았|눈을 떴|입을 다물)/g

/** Physical actions (for the dead-character check, with speech and gestures). */
export const ACTION_VERB =
  /(?:걸어왔|걸어갔|걸어 들어|걸었|달려왔|달려갔|달려들|달렸|뛰어들|뛰어왔|뛰었|일어섰|일어났|일어선다|앉았|들어왔|들어섰|나타났|다가왔|다가갔|다가섰|돌아왔|돌아보았|돌아봤|돌아섰|바라보았|바라봤|바라본다|쳐다보았|쳐다봤|노려보았|노려봤|휘둘렀|휘두른다|베었|찔렀|잡았|붙잡았|움켜쥐었|쥐었|건넸|건넨다|내밀었|열었|닫았|집어 들|손을 뻗|흔들었|밀었|당겼|싸웠|막아섰|막았|공격했|불렀|울었|울부짖|서 있었|기다리고 있었|기다렸|먹었|마셨|껴안|안았|물러섰|뒤돌아|검을 뽑|칼을 뽑|칼을 들|검을 들|문을 열|손을 잡|끌어안|가리켰|속삭|웃으며|말하며|외치며)/g

/** Words that put a sentence in memory, a dream or a grave: a dead character may appear there. */
export const MEMORY_CONTEXT =
  /(?:회상|기억|생각|떠올|떠오르|추억|무덤|묘비|비석|묘지|영정|위패|유품|생전|그리워|그리움|그립|그리운|살아 있었다면|살아있었다면|살아 있을 때|살아있을 때|예전(?!처럼|과|같|그대로)|옛날|그때|그 시절|시절|과거|꿈속|꿈에서|꿈에|꿈이|환영|환청|환상|언젠가|었었|았었|였었|했었|곤 했|[가-힣]던\s|사진 속|초상화|그 뒤로|그 일이 있은|지난번|지난날|그날|[았었였셨했]다면|이었다면|였다면|라면|(?:늘|항상|언제나|입버릇처럼) 그렇게 말)/

/**
 * An explicit frame of recollection, a dream or a grave: a dead character may act in a sentence
 * under it. Narrower than {@link MEMORY_CONTEXT} on purpose: 그날, 그때, 예전, 시절, a -던 clause
 * date a scene but do not make it a memory (`그날 밤, 진우가 문을 열고 들어왔다` is the dead walking).
 */
export const RECOLLECTION_FRAME =
  /(?:떠올렸|떠올린|떠올랐|떠오른|떠오르|떠올리|떠올라|기억이 났|기억이 난|기억났|기억난|기억했|기억한|기억하|기억 속|기억속|기억에|기억이 떠|생각났|생각이 났|생각이 난|생각난|회상|그리웠|그리워|그리운|그립|추억|생전|살아 있을 때|살아있을 때|살아 있던 때|살아 계실 때|살아 (?:있|계셨|계시)(?:었)?(?:다면|더라면)|살아있었다면|(?:늘|항상|언제나|입버릇처럼|자주) 그렇게 말|꿈속|꿈에서|꿈에|꿈이었|꿈을 꾸|환영|환청|환상|무덤|묘비|비석|묘지|영정|위패|유품|사진 속|초상화|었었|았었|였었|했었|곤 했)/

/** Words that say the character is dead (their death, their ghost, their body). */
export const DEATH_CONTEXT =
  /(?:죽었|죽은|죽음|죽기|죽던|죽는|사망|숨을 거두|숨을 거뒀|숨졌|세상을 떠|곁을 떠|전사|잃었|잃은|묻혔|묻힌|묻었|장례|시신|시체|유해|영혼|혼령|망령|유령|원혼|희생)/

/** Korean surnames (one syllable), for telling a given name inside a full name. */
export const SURNAMES = new Set(
  "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 유 전 홍 고 문 양 손 배 백 허 남 심 노 하 곽 성 차 주 우 구 민 진 나 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 왕 금 옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 가 복 태 목 형 계 피 두 감 음 빈 동 온 호 범 좌 팽 승 간 상 갈 단 견 당"
    .split(" "),
)

/** Two-syllable surnames. */
export const DOUBLE_SURNAMES = new Set(["남궁", "선우", "제갈", "독고", "황보", "사공", "서문", "동방"])
