/**
 * `commitWork`, the Neo4j commit's transaction work, run on the in-memory model of
 * `fakeGraph.ts` inside a modelled `executeWrite` (a throw rolls every write back): the order of
 * its steps (lock, no-op for a committed episode, fence, episode, Bible), the contract's fenced
 * commits, and fingerprints kept with the episode. The fence's Cypher is modelled by hand there;
 * `cypher.test.ts` checks its shape, and the contract test checks it on a real server.
 */
import { describe, expect, it } from "@effect/vitest"
import type { BibleChanges } from "../../src/domain/Bible.ts"
import { emptyBibleChanges } from "../../src/domain/Bible.ts"
import type { Episode } from "../../src/domain/Episode.ts"
import { mergeBibleChanges } from "../../src/story/BibleTime.ts"
import * as Q from "../../src/story/cypher.ts"
import { commitWork, StaleRefusal } from "../../src/story/Neo4jStoryStore.ts"
import type { CommitOptions } from "../../src/story/StoryStore.ts"
import { sampleBible, sampleEpisode, sampleProject } from "../contracts/storyStore.contract.ts"
import { FakeGraph, fromDriver } from "./fakeGraph.ts"

let nonce = 0
const commit = (graph: FakeGraph, episode: Episode, changes: BibleChanges = emptyBibleChanges, options?: CommitOptions) =>
  graph.executeWrite((tx) => commitWork(tx, episode, changes, options, `nonce-${++nonce}`))

const fence = (graph: FakeGraph, episode: number, token: number) =>
  graph.executeWrite(async (tx) => (await tx.run(Q.FENCE_EPISODE, Q.fenceParams("moon-gate", episode, token))).records[0]!.toObject())

const refusal = async (p: Promise<unknown>): Promise<StaleRefusal> => {
  try {
    await p
  } catch (error) {
    if (error instanceof StaleRefusal) return error
    throw error
  }
  throw new Error("the commit was not refused")
}

const changes: BibleChanges = {
  ...emptyBibleChanges,
  appearances: ["doha"],
  statusChanges: [{ character: "doha", status: "injured", note: "왼팔을 잃었다" }],
}

describe("the Neo4j commit's transaction work", () => {
  it("locks the project, then stores the episode (with its fingerprint) and merges its changes", async () => {
    const graph = FakeGraph.created(sampleProject(), sampleBible())
    graph.provisional.set("moon-gate/1", { uid: "moon-gate/1" })
    const ran = graph.log.length
    expect(await commit(graph, sampleEpisode(1), changes, { fingerprint: [3, 1, 4], fence: 2 })).toBe("committed")
    expect(graph.log.slice(ran)).toEqual([
      Q.LOCK_PROJECT,
      Q.EPISODE_COMMITTED,
      Q.FENCE_FOR_COMMIT,
      Q.MERGE_EPISODE,
      Q.DELETE_PROVISIONAL,
      Q.RESERVE_SEQUENCES,
      Q.RECORD_APPEARANCES,
      Q.APPLY_STATUS_CHANGE,
    ])
    expect(graph.bible()).toEqual(mergeBibleChanges(sampleBible(), changes, 1))
    expect(Q.toEpisode(graph.episodes.get("moon-gate/1")!)).toEqual(sampleEpisode(1))
    expect(graph.provisional.size).toBe(0)
  })

  it("an unknown project: nothing written", async () => {
    const graph = FakeGraph.created(sampleProject(), sampleBible())
    const before = graph.dump()
    expect(await commit(graph, sampleEpisode(1, "nope"), changes, { fence: 1 })).toBe("not-found")
    expect(graph.dump()).toEqual(before)
  })

  it("an episode already committed is a no-op before any fence is looked at: its draft's facts go, nothing else changes", async () => {
    const graph = FakeGraph.created(sampleProject(), sampleBible())
    await commit(graph, sampleEpisode(1), changes, { fence: 1 })
    await fence(graph, 1, 9)
    graph.provisional.set("moon-gate/1", { uid: "moon-gate/1" })
    const { provisional: _, ...before } = graph.dump()
    const redelivered: BibleChanges = { ...emptyBibleChanges, statusChanges: [{ character: "doha", status: "dead" }] }
    const ran = graph.log.length
    // Token 1 is stale (the fence is at 9), yet the answer is the redelivery's: committed already.
    expect(await commit(graph, sampleEpisode(1, "moon-gate", { body: "another draft" }), redelivered, { fence: 1, fingerprint: [9] })).toBe("duplicate")
    const { provisional, ...after } = graph.dump()
    expect(after).toEqual(before)
    expect(provisional.size).toBe(0)
    expect(graph.log.slice(ran)).toEqual([Q.LOCK_PROJECT, Q.EPISODE_COMMITTED, Q.DELETE_PROVISIONAL])
  })

  it("the contract's fenced commits: refused (and rolled back) once a later delivery raised the fence, or a later episode is in", async () => {
    const graph = FakeGraph.created(sampleProject(), sampleBible())
    expect(await fence(graph, 1, 5)).toEqual({ newest: true })
    expect(await fence(graph, 1, 6)).toEqual({ newest: true })
    expect(await fence(graph, 1, 5)).toEqual({ newest: false })
    const before = graph.dump()
    expect((await refusal(commit(graph, sampleEpisode(1), changes, { fence: 5 }))).reason).toBe("fencing token 5 is stale: delivery 6 holds the job")
    expect(graph.dump()).toEqual(before)
    expect(await commit(graph, sampleEpisode(1), emptyBibleChanges, { fence: 6 })).toBe("committed")
    expect(await commit(graph, sampleEpisode(3), emptyBibleChanges, { fence: 1 })).toBe("committed")
    const beforeLate = graph.dump()
    expect((await refusal(commit(graph, sampleEpisode(2), changes, { fence: 1 }))).reason).toBe("episode 3 is committed already")
    // Nothing written: not the episode, not its fence (the raise happened inside the rolled-back transaction).
    expect(graph.dump()).toEqual(beforeLate)
    expect([...graph.episodes.values()].map((e) => e.number)).toEqual([1, 3])
    // A commit fences its episode itself, so an earlier delivery still running cannot commit after it.
    expect(fromDriver(graph.fences.get("moon-gate/3"))).toMatchObject({ token: 1 })
  })

  it("keeps each committed episode's fingerprint, by number; a redelivery does not replace it", async () => {
    const graph = FakeGraph.created(sampleProject(), sampleBible())
    await commit(graph, sampleEpisode(2), emptyBibleChanges, { fingerprint: [1, 5] })
    await commit(graph, sampleEpisode(1), emptyBibleChanges, { fingerprint: [3, 1, 4] })
    await commit(graph, sampleEpisode(2), emptyBibleChanges, { fingerprint: [9] })
    await commit(graph, sampleEpisode(3), emptyBibleChanges)
    const rows = graph.query({ query: Q.GET_FINGERPRINTS, params: { slug: "moon-gate" } })
    expect(rows.map(Q.toFingerprint)).toEqual([
      { number: 1, sentences: [3, 1, 4] },
      { number: 2, sentences: [1, 5] },
    ])
  })
})
