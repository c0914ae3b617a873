/**
 * `novel-factory outline …` and `novel-factory threads …` against a real data directory.
 */
import { Effect, Layer } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { outlineCommand, threadsCommand } from "../../src/cli/commands/outline.ts"
import { newCommand } from "../../src/cli/commands/story.ts"
import { OutlineStore } from "../../src/planner/OutlineStore.ts"
import { SqliteOutlineStore } from "../../src/planner/SqliteOutlineStore.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { runCommand } from "../support/cliHarness.ts"
import { makeDataDir } from "../support/factoryProcess.ts"

const data = makeDataDir("nf-outline-cli-")
afterAll(data.cleanup)
const cli = (...argv: Array<string>) => runCommand([newCommand, outlineCommand, threadsCommand], argv, { FACTORY_HOME: data.dir }, data.dir)

const withOutlines = <A, E>(effect: Effect.Effect<A, E, OutlineStore>) =>
  Effect.runPromise(Effect.provide(effect, SqliteOutlineStore.layer.pipe(Layer.provide(Database.layerIn(data.dir)))))

describe("novel-factory outline", () => {
  it("shows the template's outline, then adds, edits, approves and removes beats; a written beat is refused", async () => {
    expect((await cli("new", "rain-city", "--genre", "modern_noir")).code).toBe(0)
    const shown = await cli("outline", "rain-city")
    expect(shown.code).toBe(0)
    expect(shown.out).toMatch(/^rain-city — 3 arc\(s\), 14 beat\(s\), written through episode 0/)
    expect(shown.out).toContain("[act-1] 1막 (episodes 1–5, by template)")
    expect(shown.out).toMatch(/\n1 +approved +template/)

    const added = await cli("outline", "add", "rain-city", "16", "도윤은 항구의 새 의뢰인을 만난다.", "--title", "새 의뢰", "--characters", "han-doyun")
    expect(added.code).toBe(0)
    expect(added.out).toBe("added the beat of episode 16 of rain-city")
    expect((await cli("outline", "edit", "rain-city", "16", "--title", "수상한 의뢰")).code).toBe(0)

    const json = JSON.parse((await cli("outline", "rain-city", "--json")).out)
    const sixteen = json.beats.find((b: { episode: number }) => b.episode === 16)
    expect(sixteen).toMatchObject({ arc: "act-3", title: "수상한 의뢰", characters: ["han-doyun"], state: "approved" })
    expect(sixteen.history.map((h: { change: string; by: string }) => `${h.change}/${h.by}`)).toEqual(["created/operator", "edited/operator"])

    await withOutlines(Effect.gen(function* () {
      const store = yield* OutlineStore
      yield* store.addBeat("rain-city", 17, { text: "계획된 비트" }, "planner:offline", "planned")
      yield* store.markWritten("rain-city", 1)
    }))
    const approved = await cli("outline", "approve", "rain-city", "16-17")
    expect(approved.code).toBe(0)
    expect(approved.out).toBe("approved episodes 16–17 of rain-city (2 beat(s) ready)")

    const frozen = await cli("outline", "edit", "rain-city", "1", "다시 쓴 1화")
    expect(frozen.code).toBe(1)
    expect(frozen.err).toContain("episode 1 is written; its beat is frozen (edit refused)")
    expect((await cli("outline", "remove", "rain-city", "1")).code).toBe(1)
    expect((await cli("outline", "remove", "rain-city", "17")).code).toBe(0)

    const marker = await cli("outline", "add", "rain-city", "18", "누군가 쓰러진다 [사망: ]")
    expect(marker.code).toBe(1)
    expect(marker.err).toContain("unreadable markers: [사망: ]")
  })

  it("adds and removes arcs, lists threads; names what was wrong with exit 2", async () => {
    expect((await cli("new", "moon-sword", "--genre", "fantasy_kr")).code).toBe(0)
    const arc = await cli("outline", "add-arc", "moon-sword", "winter", "--title", "겨울 편", "--from", "16", "--to", "30", "--goal", "왕도로")
    expect(arc.code).toBe(0)
    expect((await cli("outline", "add", "moon-sword", "20", "윤하는 눈 덮인 왕도에 닿는다.")).code).toBe(0)
    const overlap = await cli("outline", "add-arc", "moon-sword", "spring", "--title", "봄", "--from", "25", "--to", "40")
    expect(overlap.code).toBe(1)
    expect(overlap.err).toContain("overlaps arc 'winter'")
    const edited = await cli("outline", "edit-arc", "moon-sword", "winter", "--to", "35", "--goal", "봄이 오기 전에")
    expect(edited.code).toBe(0)
    await withOutlines(Effect.gen(function* () {
      yield* (yield* OutlineStore).addBeat("moon-sword", 21, { text: "윤하는 겨울 궁에서 소식을 기다린다." }, "planner:llm", "planned")
    }))
    const arcApproved = await cli("outline", "approve", "moon-sword", "winter")
    expect(arcApproved.out).toBe("approved the beats of arc 'winter' of moon-sword")
    const winter = JSON.parse((await cli("outline", "moon-sword", "--json")).out)
    expect(winter.arcs.find((a: { id: string }) => a.id === "winter")).toMatchObject({ to: 35, goal: "봄이 오기 전에", by: "operator" })
    expect(winter.beats.find((b: { episode: number }) => b.episode === 21).state).toBe("approved")
    expect((await cli("outline", "approve", "moon-sword", "autumn")).err).toContain("no arc 'autumn'")
    expect((await cli("outline", "remove-arc", "moon-sword", "winter")).code).toBe(0)

    await withOutlines(Effect.gen(function* () {
      const store = yield* OutlineStore
      yield* store.upsertThread("moon-sword", { id: "frost-seal", description: "서리 인장의 주인", plantedIn: 2, hints: [], plannedPayoff: 3, state: "open" })
      for (let n = 1; n <= 14; n++) yield* store.markWritten("moon-sword", n)
    }))
    const threads = await cli("threads", "moon-sword")
    expect(threads.code).toBe(0)
    expect(threads.out).toContain("moon-sword — 1 thread(s), 1 open, 1 overdue")
    expect(threads.out).toMatch(/frost-seal +OVERDUE \+11 +2 +- +due 3 +서리 인장의 주인/)
    const threadsJson = JSON.parse((await cli("threads", "moon-sword", "--json")).out)
    expect(threadsJson).toMatchObject({ lastWritten: 14, threads: [{ id: "frost-seal", overdueBy: 11 }] })

    expect((await cli("threads", "add", "moon-sword", "mother", "어머니의 행방", "--planted", "3", "--payoff", "30")).code).toBe(0)
    expect((await cli("threads", "add", "moon-sword", "mother", "다시", "--planted", "3")).err).toContain("thread 'mother' already exists")
    expect((await cli("threads", "pay", "moon-sword", "frost-seal", "14")).out).toBe("thread 'frost-seal' of moon-sword is paid off in episode 14")
    const ledger = JSON.parse((await cli("threads", "moon-sword", "--json")).out)
    expect(ledger.threads.map((t: { id: string; state: string; overdueBy: number | null }) => [t.id, t.state, t.overdueBy])).toEqual([
      ["frost-seal", "paid", null],
      ["mother", "open", null],
    ])
    expect((await cli("threads", "remove", "moon-sword", "mother")).code).toBe(0)
    expect((await cli("threads", "remove", "moon-sword", "mother")).err).toContain("no thread 'mother'")

    const cases: Array<[Array<string>, string]> = [
      [["outline", "../etc"], "not a valid slug"],
      [["outline", "nope"], "no project 'nope'"],
      [["outline", "add", "moon-sword", "zero", "x"], "<episode> must be an episode number ≥ 1, got 'zero'"],
      [["outline", "add", "moon-sword", "21"], "outline add needs the beat's text"],
      [["outline", "edit", "moon-sword", "21"], "outline edit needs something to change"],
      [["outline", "approve", "moon-sword", "9-3"], "ends before it starts"],
      [["outline", "frobnicate", "moon-sword"], "unknown outline action 'frobnicate'"],
      [["outline", "add-arc", "moon-sword", "x", "--title", "t", "--from", "0", "--to", "3"], "--from must be an episode number"],
      [["outline", "moon-sword", "--jsn"], "unknown option '--jsn'"],
      [["threads"], "missing <slug>"],
      [["threads", "add", "moon-sword", "x", "설명"], "--planted must be an episode number"],
      [["threads", "add", "moon-sword", "x"], "threads add needs a description"],
      [["threads", "pay", "moon-sword", "x"], "<episode> must be an episode number"],
      [["threads", "moon-sword", "extra"], "unknown threads action 'moon-sword'"],
      [["outline", "edit-arc", "moon-sword", "act-1"], "outline edit-arc needs something to change"],
    ]
    for (const [argv, message] of cases) {
      const result = await cli(...argv)
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 })
      expect(result.err).toContain(message)
    }
    const help = await cli("outline", "--help")
    expect(help.code).toBe(0)
    expect(help.out).toContain("outline add|edit <slug> <episode>")
  })
})
