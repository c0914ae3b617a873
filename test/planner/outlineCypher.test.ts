/**
 * The pure parts of the Neo4j OutlineStore, without a server (none is available to the suite):
 * statement building (outline → Cypher parameters, integers as Neo4j integers) and record mapping
 * (node properties → outline), as a round trip over outlines the planner and operator make.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import neo4j from "neo4j-driver"
import { Result } from "effect"
import type { Outline } from "../../src/domain/Outline.ts"
import * as Q from "../../src/planner/outlineCypher.ts"
import { addBeat, markWritten, seedOutline, upsertThread } from "../../src/planner/OutlineEdits.ts"
import { outlineProject } from "../contracts/outlineStore.contract.ts"

/** What the driver hands back with `disableLosslessIntegers`, for a node SET from `props` (nulls are no property). */
const asNode = (props: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(props)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => (neo4j.isInt(x) ? x.toNumber() : x)) : neo4j.isInt(v) ? (v as { toNumber(): number }).toNumber() : v]),
  )

const roundTrip = (outline: Outline): Outline => {
  const statements = Q.saveOutline(outline)
  const param = (i: number, key: string) => statements[i]!.params[key] as ReadonlyArray<Record<string, unknown>>
  return Q.outlineFromRecords(
    outline.project,
    statements[0]!.params["premise"] as string,
    param(2, "arcs").map(asNode),
    param(4, "beats").map(asNode),
    param(6, "threads").map(asNode),
  )
}

const sample = (): Outline => {
  let o: Outline = seedOutline(outlineProject(), 1_000)
  const step = (r: Result.Result<Outline, unknown>) => {
    o = Result.getOrThrow(r)
  }
  step(addBeat(o, 10, { text: "새 비트 [사망: doha]", title: "이별", characters: ["seoyun"], threads: ["key"] }, { by: "planner:llm", at: 2_000 }, "planned"))
  step(upsertThread(o, { id: "key", description: "열쇠", plantedIn: 2, hints: [4], plannedPayoff: 10, state: "open" }))
  step(upsertThread(o, { id: "old", description: "옛 약속", plantedIn: 1, hints: [], paidOffIn: 3, state: "paid" }))
  step(markWritten(o, 1, 3_000))
  return o
}

describe("outline cypher", () => {
  it("round-trips an outline through the statements' parameters and the record mapper", () => {
    const outline = sample()
    expect(roundTrip(outline)).toEqual(outline)
  })

  it("sends integers as Neo4j integers, keys nodes by project-scoped uids, never deletes a written beat", () => {
    const statements = Q.saveOutline(sample())
    const beats = statements[4]!.params["beats"] as ReadonlyArray<Record<string, unknown>>
    expect(neo4j.isInt(beats[0]!["episode"])).toBe(true)
    expect(beats[0]!["uid"]).toBe("moon-gate/1")
    expect(beats.at(-1)!["arcUid"]).toBe("moon-gate/act-3")
    expect(JSON.parse(beats[0]!["history"] as string).map((h: { change: string }) => h.change)).toEqual(["created", "written"])
    expect(statements[3]!.query).toContain("b.state <> 'written'")
    const threads = statements[6]!.params["threads"] as ReadonlyArray<Record<string, unknown>>
    expect(threads.map((t) => t["uid"])).toEqual(["moon-gate/thread/key", "moon-gate/thread/old"])
    expect(threads[1]!["plannedPayoff"]).toBe(null)
    expect(neo4j.isInt((threads[0]!["hints"] as ReadonlyArray<unknown>)[0])).toBe(true)
    expect(Q.lockOutline("moon-gate")).toEqual({ query: expect.stringContaining("SET o.writeLock"), params: { project: "moon-gate" } })
    expect(Q.CONSTRAINTS.every((c) => c.includes("IS UNIQUE"))).toBe(true)
  })

  it("a node that is not an outline is refused, naming the path", () => {
    expect(() => Q.outlineFromRecords("moon-gate", "p", [], [{ episode: 0, arc: "a", text: "t", characters: [], threads: [], state: "done", history: "[]" }], []))
      .toThrow(/state|episode/)
  })

  it("round-trips arbitrary beat texts, titles and thread ledgers", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ text: fc.string({ minLength: 1, maxLength: 30 }).filter((t) => t.trim() !== "" && !t.includes("[")), title: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }) }), { maxLength: 6 }),
        fc.array(fc.record({ planted: fc.integer({ min: 1, max: 50 }), due: fc.option(fc.integer({ min: 50, max: 99 }), { nil: undefined }) }), { maxLength: 4 }),
        (beats, threads) => {
          let o: Outline = seedOutline(outlineProject("p", 3), 0)
          beats.forEach((b, i) => {
            o = Result.getOrThrow(addBeat(o, 4 + i, { text: b.text, ...(b.title === undefined ? {} : { title: b.title }) }, { by: "operator", at: i }))
          })
          threads.forEach((t, i) => {
            o = Result.getOrThrow(upsertThread(o, { id: `t${i}`, description: "d", plantedIn: t.planted, hints: [], ...(t.due === undefined ? {} : { plannedPayoff: t.due }), state: "open" }))
          })
          expect(roundTrip(o)).toEqual(o)
        },
      ),
    )
  })
})
