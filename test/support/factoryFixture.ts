/**
 * A real factory data directory for backup and export tests: the SQLite database with a
 * project and N committed episodes, written through `StoryStore` (the SQLite adapters), plus
 * a small ledger table so that backups have ledger rows to count.
 */
import { Effect, Layer, Option } from "effect"
import type { Bible } from "../../src/domain/Bible.ts"
import { emptyBibleChanges } from "../../src/domain/Bible.ts"
import { countCharsWithSpaces, type Episode } from "../../src/domain/Episode.ts"
import type { Project } from "../../src/domain/Project.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"

export const fixtureProject = (slug = "moon-gate"): Project => ({
  slug,
  title: "달의 문 <외전> & 이야기",
  genre: "fantasy",
  language: "ko",
  seed: 7,
  premise: "문지기의 딸이 열린 달의 문을 발견한다.",
  tone: "wistful",
  styleRules: [],
  bannedWords: [],
  lengthBand: { min: 5_000, max: 5_500 },
  beats: ["문이 열린다", "첫 번째 건넘", "대가"],
  createdAt: 1_700_000_000_000,
})

export const fixtureBible = (): Bible => ({
  characters: [
    { id: "seoyun", name: "서윤", aliases: [], role: "protagonist", status: "alive", traits: ["stubborn"], firstEpisode: 0 },
    { id: "doha", name: "도하", aliases: [], role: "rival", status: "alive", traits: ["proud"], firstEpisode: 0 },
  ],
  places: [{ id: "gate", name: "달의 문", description: "언덕 위의 돌 아치" }],
  factions: [],
  items: [],
  worldRules: ["문은 보름달에만 열린다."],
  relations: [],
  events: [],
})

const SENTENCES = [
  "서윤은 언덕 위의 돌 아치 앞에 멈춰 섰다.",
  "바람이 불 때마다 은빛 먼지가 문턱을 따라 흩어졌다.",
  "도하는 팔짱을 낀 채 그녀를 내려다보았다.",
  "물골 마을의 불빛이 강물 위에서 천천히 흔들렸다.",
  "보름달이 구름 사이로 얼굴을 내밀자 문 안쪽이 희미하게 밝아졌다.",
  "그녀는 주머니 속의 은열쇠를 꽉 쥐었다.",
  "발밑의 풀잎이 이슬에 젖어 반짝였다.",
  "멀리서 늑대 울음소리가 들려왔다.",
]

/** A Korean episode in Markdown: a heading, narration paragraphs, dialogue lines, a scene break, characters to escape. */
export const episodeBody = (n: number, paragraphs = 24): string => {
  const parts: Array<string> = [`# 제${n}화 — 문턱 너머`]
  for (let p = 0; p < paragraphs; p++) {
    const lines = Array.from({ length: 5 }, (_, i) => SENTENCES[(n * 7 + p * 3 + i) % SENTENCES.length]!)
    parts.push(lines.join(" "))
    if (p % 4 === 1) parts.push(`"정말로 건널 생각이야?" 도하가 물었다. (${n}-${p})`)
    if (p % 4 === 2) parts.push(`“두려워도 가야 해.” 서윤이 답했다. <빛> & '그림자'`)
    if (p === Math.floor(paragraphs / 2)) parts.push("* * *")
    if (p === 3) parts.push("## 두 번째 장면")
  }
  return parts.join("\n\n")
}

export const fixtureEpisode = (slug: string, n: number, paragraphs?: number): Episode => {
  const body = episodeBody(n, paragraphs)
  return {
    project: slug,
    number: n,
    title: `제${n}화 문턱 너머`,
    body,
    summary: `${n}화 요약`,
    charCount: countCharsWithSpaces(body),
    findings: [],
    reward: 0.8,
    drafts: 1,
    committedAt: 1_700_000_000_000 + n * 60_000,
  }
}

/** The layers of a factory data directory (database + SQLite story store). */
export const storeLayer = (dataDir: string) => {
  const database = Database.layerIn(dataDir)
  return Layer.merge(database, SqliteStoryStore.layer.pipe(Layer.provide(database)))
}

/** Creates a project with `episodes` committed episodes (and a 3-row ledger table) in `dataDir`. */
export const seedFactory = (dataDir: string, options: { readonly slug?: string; readonly episodes: number; readonly paragraphs?: number }) =>
  Effect.gen(function* () {
    const slug = options.slug ?? "moon-gate"
    const store = yield* StoryStore
    yield* store.createProject(fixtureProject(slug), fixtureBible())
    for (let n = 1; n <= options.episodes; n++) yield* store.commitEpisode(fixtureEpisode(slug, n, options.paragraphs), emptyBibleChanges)
    const db = yield* Database
    yield* db.transaction((c) => {
      c.exec("CREATE TABLE IF NOT EXISTS test_ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)")
      for (let i = 0; i < 3; i++) c.run("INSERT INTO test_ledger (amount) VALUES (?)", i * 100)
    })
  }).pipe(Effect.provide(storeLayer(dataDir)))

/** Every episode of a project, read back through `StoryStore`. */
export const readEpisodes = (dataDir: string, slug = "moon-gate") =>
  Effect.gen(function* () {
    const store = yield* StoryStore
    const summaries = yield* store.listEpisodes(slug)
    const out: Array<Episode> = []
    for (const s of summaries) out.push(Option.getOrThrow(yield* store.getEpisode(slug, s.number)))
    return out
  }).pipe(Effect.provide(storeLayer(dataDir)))
