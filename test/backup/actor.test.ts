import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Queue } from "effect"
import { TestClock } from "effect/testing"
import { type BackupCycleResult, makeBackupActor } from "../../actors/backup.ts"
import type { BlobStoreShape } from "../../src/blob/BlobStore.ts"
import { makeDirectoryBlobStore } from "../../src/blob/DirectoryBlobStore.ts"
import { Backups, makeBackups } from "../../src/backup/Backups.ts"
import { backupIdTime } from "../../src/backup/Manifest.ts"
import { databaseFile } from "../../src/sqlite/Database.ts"
import { seedFactory } from "../support/factoryFixture.ts"

const root = mkdtempSync(join(tmpdir(), "nf-backup-actor-"))
const data = join(root, "data")
beforeAll(() => Effect.runPromise(seedFactory(data, { episodes: 3, paragraphs: 4 })))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

const setup = (wrap: (s: BlobStoreShape) => BlobStoreShape = (s) => s) => {
  const store = makeDirectoryBlobStore(join(root, `store-${++n}`))
  return { store, backups: makeBackups({ store: wrap(store), databasePath: databaseFile(data), tempDir: root }) }
}

const iso = (id: string) => new Date(backupIdTime(id)!).toISOString()

describe("backup actor", () => {
  it.effect("runs on its cron schedule under TestClock and prunes exactly the snapshots retention drops", () =>
    Effect.gen(function* () {
      const { backups } = setup()
      const cycles = yield* Queue.unbounded<BackupCycleResult>()
      yield* TestClock.setTime(Date.UTC(2030, 0, 1)) // Tuesday 00:00 UTC
      const actor = yield* makeBackupActor({
        schedule: "0 4 * * *",
        retention: { keepLast: 2, keepDaily: 2, keepWeekly: 3 },
        catchUp: false,
        onCycle: (r) => Queue.offer(cycles, r).pipe(Effect.asVoid),
      }).pipe(Effect.provideService(Backups, backups))
      expect(new Date(actor.nextRunAfter(Date.UTC(2030, 0, 1))).toISOString()).toBe("2030-01-01T04:00:00.000Z")
      const fiber = yield* Effect.forkChild(actor.run)

      yield* TestClock.adjust("3 hours")
      expect(yield* Queue.size(cycles)).toBe(0)
      for (let day = 1; day <= 21; day++) {
        yield* TestClock.adjust(day === 1 ? "1 hour" : "1 day")
        const r = yield* Queue.take(cycles)
        expect(r.trigger).toBe("schedule")
        expect(iso(r.manifest.id)).toBe(new Date(Date.UTC(2030, 0, day, 4)).toISOString())
        expect(r.verification?.ok).toBe(true)
        for (let i = 0; i < 5; i++) yield* Effect.yieldNow
      }
      const left = (yield* backups.list).map((m) => iso(m.id))
      // Jan 21 (Mon, ISO week 4): last + daily + weekly; Jan 20 (Sun, week 3): last + daily + weekly; Jan 13 (Sun, week 2): weekly.
      expect(left).toEqual(["2030-01-13T04:00:00.000Z", "2030-01-20T04:00:00.000Z", "2030-01-21T04:00:00.000Z"])

      // On demand, between two scheduled runs.
      const demanded = yield* actor.trigger
      expect(demanded.trigger).toBe("demand")
      expect(yield* Queue.take(cycles)).toBe(demanded)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("the default schedule is Sundays 04:00; a missed run is caught up at start", () =>
    Effect.gen(function* () {
      const { backups } = setup()
      const cycles = yield* Queue.unbounded<BackupCycleResult>()
      yield* TestClock.setTime(Date.UTC(2030, 0, 1, 12)) // Tuesday noon: last Sunday 04:00 had no backup
      const actor = yield* makeBackupActor({ onCycle: (r) => Queue.offer(cycles, r).pipe(Effect.asVoid) }).pipe(Effect.provideService(Backups, backups))
      expect(new Date(actor.nextRunAfter(Date.UTC(2030, 0, 1, 12))).toISOString()).toBe("2030-01-06T04:00:00.000Z")
      const fiber = yield* Effect.forkChild(actor.run)
      const first = yield* Queue.take(cycles)
      expect(first.trigger).toBe("catch-up")
      for (let i = 0; i < 5; i++) yield* Effect.yieldNow
      yield* TestClock.adjust("4 days") // Saturday noon
      expect(yield* Queue.size(cycles)).toBe(0)
      yield* TestClock.adjust("16 hours") // Sunday 04:00
      const second = yield* Queue.take(cycles)
      expect(second.trigger).toBe("schedule")
      expect(iso(second.manifest.id)).toBe("2030-01-06T04:00:00.000Z")
      yield* Fiber.interrupt(fiber)

      // Restarted right after: the last occurrence has its backup, so no catch-up.
      const again = yield* makeBackupActor({ onCycle: (r) => Queue.offer(cycles, r).pipe(Effect.asVoid) }).pipe(Effect.provideService(Backups, backups))
      const f2 = yield* Effect.forkChild(again.run)
      for (let i = 0; i < 20; i++) yield* Effect.yieldNow
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
      expect(yield* Queue.size(cycles)).toBe(0)
      yield* Fiber.interrupt(f2)
    }))

  it.effect("a backup that fails verification fails the cycle and prunes nothing", () =>
    Effect.gen(function* () {
      let corrupt = false
      const { backups } = setup((s) => ({
        ...s,
        getStream: (key) =>
          corrupt
            ? Effect.map(s.get(key), (b) => {
              const copy = Uint8Array.from(b)
              copy[copy.length >> 1]! ^= 1
              return (async function* () {
                yield copy
              })()
            })
            : s.getStream(key),
      }))
      yield* TestClock.setTime(Date.UTC(2030, 0, 1))
      const actor = yield* makeBackupActor({ retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0 }, catchUp: false }).pipe(Effect.provideService(Backups, backups))
      yield* actor.trigger
      yield* TestClock.adjust("1 hour")
      corrupt = true
      const exit = yield* Effect.exit(actor.trigger)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("BackupVerifyFailed")
      corrupt = false
      expect((yield* backups.list).length).toBe(2) // the good one was not pruned
    }))

  it.effect("an invalid schedule is refused with the expression named", () =>
    Effect.gen(function* () {
      const { backups } = setup()
      const error = yield* Effect.flip(makeBackupActor({ schedule: "at dawn" }).pipe(Effect.provideService(Backups, backups)))
      expect(error.message).toContain("at dawn")
    }))
})
