import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { applyRetention, dayOf, isoWeekOf, type SnapshotTime } from "../../src/backup/Retention.ts"
import { makeBackupId } from "../../src/backup/Manifest.ts"

const at = (iso: string): SnapshotTime => {
  const time = Date.parse(iso)
  return { id: makeBackupId(time, 0), time }
}
const ids = (xs: ReadonlyArray<SnapshotTime>) => xs.map((x) => x.id)

describe("retention (restic rules)", () => {
  it("newest is creation order: a snapshot stamped before its predecessors (clock stepped back) is the newest", () => {
    const hour = 3_600_000
    const base = Date.parse("2030-01-01T04:00:00Z")
    const snaps: Array<SnapshotTime> = [0, 1, 2].map((i) => ({ id: makeBackupId(base + i * hour, i), time: base + i * hour, sequence: i + 1 }))
    const stepped: SnapshotTime = { id: makeBackupId(base + hour + 60_000, 9), time: base + hour + 60_000, sequence: 4 }
    const d = applyRetention([...snaps, stepped], { keepLast: 2, keepDaily: 0, keepWeekly: 0 })
    expect(d.keep.map((k) => k.id)).toEqual([stepped.id, snaps[2]!.id])
    // Snapshots from before the sequence existed are older than every one that has it.
    const legacy = at("2031-01-01T00:00:00Z")
    expect(applyRetention([legacy, ...snaps], { keepLast: 1, keepDaily: 0, keepWeekly: 0 }).keep.map((k) => k.id)).toEqual([snaps[2]!.id])
  })

  it("never removes the newest verified snapshot nor one created after it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 * 86_400_000 }), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.record({ keepLast: fc.nat(3), keepDaily: fc.nat(3), keepWeekly: fc.nat(3) }),
        (times, pick, policy) => {
          const base = Date.parse("2030-01-01T00:00:00Z")
          const snaps = times.map((t, i): SnapshotTime => ({ id: makeBackupId(base + t, i), time: base + t, sequence: i + 1 }))
          const verified = snaps[pick % snaps.length]!
          const d = applyRetention(snaps, policy, "UTC", verified.id)
          const protectedIds = snaps.filter((s) => s.sequence! >= verified.sequence!).map((s) => s.id)
          for (const id of protectedIds) expect(d.remove).not.toContain(id)
          expect(d.keep.length + d.remove.length).toBe(snaps.length)
        },
      ),
      { numRuns: 200 },
    )
  })

  it("keepLast keeps the n newest", () => {
    const snaps = Array.from({ length: 10 }, (_, i) => at(`2030-01-${String(i + 1).padStart(2, "0")}T04:00:00Z`))
    const d = applyRetention(snaps, { keepLast: 3, keepDaily: 0, keepWeekly: 0 })
    expect(d.keep.map((k) => k.id)).toEqual(ids(snaps.slice(7).reverse()))
    expect(d.remove).toEqual(ids(snaps.slice(0, 7).reverse()))
  })

  it("keepDaily keeps the newest snapshot of each of the last n days that have one", () => {
    const snaps = [
      at("2030-01-01T01:00:00Z"),
      at("2030-01-01T23:00:00Z"),
      // no snapshot on the 2nd
      at("2030-01-03T04:00:00Z"),
      at("2030-01-04T04:00:00Z"),
      at("2030-01-04T05:00:00Z"),
      at("2030-01-04T06:00:00Z"),
    ]
    const d = applyRetention(snaps, { keepLast: 0, keepDaily: 3, keepWeekly: 0 })
    expect(d.keep.map((k) => k.id)).toEqual(ids([snaps[5]!, snaps[2]!, snaps[1]!]))
    expect(d.keep.every((k) => k.reasons.join() === "daily")).toBe(true)
    expect(new Set(d.remove)).toEqual(new Set(ids([snaps[0]!, snaps[3]!, snaps[4]!])))
  })

  it("keepWeekly counts ISO weeks (Monday to Sunday)", () => {
    // 2030-01-06 is a Sunday, 2030-01-07 a Monday.
    expect(isoWeekOf(Date.parse("2030-01-06T23:59:59Z"), "UTC")).toBe("2030-W01")
    expect(isoWeekOf(Date.parse("2030-01-07T00:00:00Z"), "UTC")).toBe("2030-W02")
    expect(isoWeekOf(Date.parse("2027-01-01T12:00:00Z"), "UTC")).toBe("2026-W53")
    const snaps = [at("2030-01-05T04:00:00Z"), at("2030-01-06T04:00:00Z"), at("2030-01-07T04:00:00Z"), at("2030-01-13T04:00:00Z"), at("2030-01-14T04:00:00Z")]
    const d = applyRetention(snaps, { keepLast: 0, keepDaily: 0, keepWeekly: 2 })
    expect(d.keep.map((k) => k.id)).toEqual(ids([snaps[4]!, snaps[3]!]))
    const three = applyRetention(snaps, { keepLast: 0, keepDaily: 0, keepWeekly: 3 })
    expect(three.keep.map((k) => k.id)).toEqual(ids([snaps[4]!, snaps[3]!, snaps[1]!]))
  })

  it("rules combine: a snapshot kept by any rule is kept, with its reasons", () => {
    const snaps = Array.from({ length: 21 }, (_, i) => at(new Date(Date.UTC(2030, 0, 1 + i, 4)).toISOString()))
    const d = applyRetention(snaps, { keepLast: 2, keepDaily: 2, keepWeekly: 3 })
    // Jan 21 (Mon, W04), Jan 20 (Sun, W03), Jan 13 (Sun, W02).
    expect(d.keep).toEqual([
      { id: snaps[20]!.id, reasons: ["last", "daily", "weekly"] },
      { id: snaps[19]!.id, reasons: ["last", "daily", "weekly"] },
      { id: snaps[12]!.id, reasons: ["weekly"] },
    ])
    expect(d.remove.length).toBe(18)
  })

  it("days are counted in the configured time zone", () => {
    const t = Date.parse("2030-01-01T16:00:00Z") // 2030-01-02 01:00 in Seoul
    expect(dayOf(t, "UTC")).toBe("2030-01-01")
    expect(dayOf(t, "Asia/Seoul")).toBe("2030-01-02")
    const snaps = [at("2030-01-01T10:00:00Z"), at("2030-01-01T16:00:00Z")]
    expect(applyRetention(snaps, { keepLast: 0, keepDaily: 5, keepWeekly: 0 }, "UTC").keep.length).toBe(1)
    expect(applyRetention(snaps, { keepLast: 0, keepDaily: 5, keepWeekly: 0 }, "Asia/Seoul").keep.length).toBe(2)
  })

  it("an all-zero policy keeps everything", () => {
    const snaps = [at("2030-01-01T00:00:00Z"), at("2030-02-01T00:00:00Z")]
    expect(applyRetention(snaps, { keepLast: 0, keepDaily: 0, keepWeekly: 0 }).remove).toEqual([])
  })

  it("properties: keep and remove partition the input; the newest is kept; keepLast keeps the n newest; monotone over time", () => {
    const snapshotList = fc.uniqueArray(fc.integer({ min: Date.UTC(2030, 0, 1), max: Date.UTC(2030, 6, 1) }), { maxLength: 60 }).map((times) =>
      times.map((time, i) => ({ id: makeBackupId(time, i), time }))
    )
    const policy = fc.record({ keepLast: fc.nat(5), keepDaily: fc.nat(10), keepWeekly: fc.nat(6) })
    fc.assert(
      fc.property(snapshotList, policy, (snaps, p) => {
        const d = applyRetention(snaps, p)
        const kept = d.keep.map((k) => k.id)
        expect(new Set([...kept, ...d.remove])).toEqual(new Set(ids(snaps)))
        expect(kept.length + d.remove.length).toBe(snaps.length)
        const newestFirst = [...snaps].sort((a, b) => b.time - a.time)
        if (p.keepLast + p.keepDaily + p.keepWeekly === 0) {
          expect(d.remove).toEqual([])
          return
        }
        if (snaps.length > 0) expect(kept[0]).toBe(newestFirst[0]!.id)
        expect(kept.length).toBeLessThanOrEqual(p.keepLast + p.keepDaily + p.keepWeekly)
        for (const s of newestFirst.slice(0, p.keepLast)) expect(kept).toContain(s.id)
        // Pruning after every backup ends where pruning once at the end does.
        let alive: Array<SnapshotTime> = []
        for (const s of [...snaps].sort((a, b) => a.time - b.time)) {
          alive.push(s)
          const step = applyRetention(alive, p)
          alive = alive.filter((x) => !step.remove.includes(x.id))
        }
        expect(new Set(ids(alive))).toEqual(new Set(kept))
      }),
      { numRuns: 200 },
    )
  })
})
