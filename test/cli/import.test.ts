/**
 * `novel-factory import`: a manuscript of 5 episodes seeds a project — its Bible learns the people and
 * places the text introduces, its outline holds 5 written beats — and the factory then writes
 * episode 6 from that Bible and story so far (queued with `enqueue 6-10`).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer, Option } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { processLease } from "../../actors/episodeWorker.ts"
import { bibleCommand, enqueueCommand } from "../../src/cli/commands/story.ts"
import { importCommand } from "../../src/cli/commands/import.ts"
import { outlineCommand } from "../../src/cli/commands/outline.ts"
import { defaultConfig } from "../../src/config/FactoryConfig.ts"
import type { Bible } from "../../src/domain/Bible.ts"
import type { WriterBrief } from "../../src/domain/Brief.ts"
import { EventBus } from "../../src/events/EventBus.ts"
import { FaultPoints } from "../../src/factory/FaultPoints.ts"
import { PipelineSettings } from "../../src/factory/PipelineSettings.ts"
import { LanguageModel } from "../../src/llm/LanguageModel.ts"
import { OfflineWriter } from "../../src/llm/OfflineWriter.ts"
import { BeatSource } from "../../src/planner/BeatSource.ts"
import { outlineStoreLayer } from "../../src/planner/OutlineStoreLayer.ts"
import { Planner } from "../../src/planner/Planner.ts"
import { PlanningSettings } from "../../src/planner/PlanningConfig.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { SqliteJobQueue } from "../../src/queue/SqliteJobQueue.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { SqliteStoryStore } from "../../src/story/SqliteStoryStore.ts"
import { StoryStore } from "../../src/story/StoryStore.ts"
import { runCommand } from "../support/cliHarness.ts"
import { makeDataDir } from "../support/factoryProcess.ts"

/** Five episodes of a noir manuscript, written as a person (or a model) would, not by the offline writer. */
const MANUSCRIPT = [
  `# 제1화 비 오는 부두\n\n새벽 세 시, 부두의 가로등은 반쯤 꺼져 있었다. 강철이라는 형사가 코트 깃을 세우고 컨테이너 사이를 걸었다. 빗물이 모자챙을 타고 흘러내렸다.\n\n"또 늦었군." 그는 혼잣말을 하며 담배에 불을 붙였다.\n\n컨테이너 뒤에서 누군가 그를 불렀다. 작은 체구의 여자가 우산도 없이 서 있었다. 그녀는 자신을 민서라고 소개했다. 실종된 오빠를 찾고 있다고 했다.`,
  `# 제2화 흑조 클럽\n\n민서가 건넨 주소는 흑조 클럽이라는 술집이었다. 간판의 네온은 절반이 나가 있었고, 문 앞의 사내는 강철을 위아래로 훑어보았다.\n\n"형사 양반이 여긴 웬일이오."\n\n강철은 대답 대신 사진 한 장을 내밀었다. 사진 속 남자는 민서의 오빠였다. 사내의 눈이 잠깐 흔들렸다가 다시 굳었다. 안쪽 무대에서는 낡은 재즈가 느리게 흘러나오고 있었다.`,
  `# 제3화 장부\n\n클럽의 지배인은 윤태라는 남자였다. 그는 장부를 덮으며 웃었지만 손끝이 떨리고 있었다. 강철은 장부 귀퉁이에 적힌 숫자를 외워 두었다.\n\n"당신 오빠는 빚이 많았어요." 윤태가 민서에게 말했다.\n\n"그래서 어디 있는데요?"\n\n윤태는 대답하지 않았다. 창밖으로 경찰차 한 대가 천천히 지나갔다. 강철은 그 차의 번호판을 본 적이 있다는 생각이 들었다.`,
  `# 제4화 창고\n\n항구 끝의 낡은 창고에서 민서의 오빠가 발견되었다. 그는 이미 숨을 거둔 뒤였다. 강철은 시신 옆에 떨어진 라이터를 집어 들었다. 흑조 클럽의 로고가 새겨져 있었다.\n\n민서는 울지 않았다. 대신 오래도록 오빠의 손을 붙잡고 있었다.\n\n"누가 그랬는지 알아낼 거예요." 그녀가 낮게 말했다. 강철은 고개를 끄덕였다.`,
  `# 제5화 번호판\n\n강철은 경찰서 주차장에서 그 번호판을 다시 보았다. 같은 서의 반장 차였다. 그는 한참 동안 운전석에 앉아 움직이지 못했다.\n\n휴대폰이 울렸다. 민서였다.\n\n"윤태가 사라졌어요. 클럽 문이 잠겨 있어요."\n\n강철은 시동을 걸었다. 빗줄기가 다시 굵어지고 있었다. 누구를 믿어야 할지, 이제는 알 수 없었다.`,
]

const data = makeDataDir("nf-import-")
afterAll(data.cleanup)
const cli = (...argv: Array<string>) =>
  runCommand([importCommand, bibleCommand, enqueueCommand, outlineCommand], argv, { FACTORY_HOME: data.dir }, data.dir)

/** The worker on the data directory, with the planner, recording each writer brief. */
const factory = (briefs: Array<WriterBrief>) => {
  const database = Database.layerIn(data.dir)
  const writer = Layer.succeed(LanguageModel, LanguageModel.of({
    ...OfflineWriter.make,
    complete: (request) => {
      if (request.brief !== undefined) briefs.push(request.brief)
      return OfflineWriter.make.complete(request)
    },
  }))
  return Layer.mergeAll(FaultPoints.none, writer, Layer.succeed(PipelineSettings, defaultConfig(data.dir).pipeline)).pipe(
    Layer.provideMerge(BeatSource.layer),
    Layer.provideMerge(Layer.mergeAll(outlineStoreLayer({ kind: "sqlite" }), Planner.offline, PlanningSettings.layer(undefined))),
    Layer.provideMerge(Layer.mergeAll(SqliteStoryStore.layer, SqliteJobQueue.layer({ maxDeliveries: 3 }))),
    Layer.provideMerge(database),
    Layer.provideMerge(EventBus.layer()),
  )
}

describe("novel-factory import", () => {
  it("seeds the Bible and the outline from 5 episodes; enqueue 6-10 writes from them", async () => {
    const dir = join(data.dir, "..", `${data.dir.split("/").at(-1)}-manuscript`)
    mkdirSync(dir, { recursive: true })
    MANUSCRIPT.forEach((text, i) => writeFileSync(join(dir, `episode-${i + 1}.md`), text))

    const imported = await cli("import", "rain-docks", "--genre", "modern_noir", dir)
    expect(imported.code, imported.err).toBe(0)
    expect(imported.out).toContain("imported 5 episodes into rain-docks")

    const bible = JSON.parse((await cli("bible", "rain-docks", "--json")).out).bible as Bible
    const learned = bible.characters.filter((c) => c.firstEpisode > 0).map((c) => [c.name, c.firstEpisode])
    expect(learned).toEqual(expect.arrayContaining([["강철", 1], ["민서", 1], ["윤태", 3]]))
    expect(bible.places.find((p) => p.name.includes("흑조"))?.firstEpisode).toBe(2)

    const outline = JSON.parse((await cli("outline", "rain-docks", "--json")).out)
    const beats = (outline.beats as Array<{ episode: number; state: string }>).filter((b) => b.episode <= 5)
    expect(beats.map((b) => [b.episode, b.state])).toEqual([1, 2, 3, 4, 5].map((n) => [n, "written"]))

    const enqueued = await cli("enqueue", "rain-docks", "--episodes", "6-10")
    expect(enqueued.code, enqueued.err).toBe(0)

    // A factory's workers: the manuscript's jobs are found committed, then episode 6 is written.
    const briefs: Array<WriterBrief> = []
    await Effect.runPromise(
      Effect.gen(function* () {
        const queue = yield* JobQueue
        for (let i = 0; i < 6; i++) yield* processLease(Option.getOrThrow(yield* queue.claim("writer-1", { leaseMs: 600_000 })))
        const store = yield* StoryStore
        expect((yield* store.listEpisodes("rain-docks")).map((e) => [e.number, e.drafts > 0])).toEqual([
          [1, false], [2, false], [3, false], [4, false], [5, false], [6, true],
        ])
      }).pipe(Effect.provide(factory(briefs))),
    )
    const six = briefs.find((b) => b.episode === 6)!
    expect(six).toBeDefined()
    const known = six.cast.map((c) => c.name)
    expect(known).toEqual(expect.arrayContaining(["강철", "민서"]))
    expect(six.storySoFar.map((e) => e.episode)).toEqual(expect.arrayContaining([3, 4, 5]))
    expect(six.storySoFar.map((e) => e.summary).join(" ")).toContain("강철")
  }, 60_000)

  it("names what is wrong: a missing manuscript, an unknown genre", async () => {
    const missing = await cli("import", "nope", "--genre", "modern_noir", join(data.dir, "no-such-dir"))
    expect(missing.code).toBe(2)
    expect(missing.err).toContain("no file or directory")
    const genre = await cli("import", "nope", "--genre", "space_opera", join(data.dir, "..", `${data.dir.split("/").at(-1)}-manuscript`))
    expect(genre.code).toBe(2)
    expect(genre.err).toContain("unknown genre 'space_opera'")
  })
})
