import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CreateMultipartUploadCommand, UploadPartCommand } from "@aws-sdk/client-s3"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Queue } from "effect"
import { TestClock } from "effect/testing"
import { type BackupCycleResult, makeBackupActor } from "../../actors/backup.ts"
import { BlobError, type BlobStoreShape } from "../../src/blob/BlobStore.ts"
import { makeDirectoryBlobStore } from "../../src/blob/DirectoryBlobStore.ts"
import { makeS3BlobStore, makeS3Client, S3CredentialsMissing } from "../../src/blob/S3BlobStore.ts"
import { Backups, makeBackups } from "../../src/backup/Backups.ts"
import { backupIdTime } from "../../src/backup/Manifest.ts"
import { databaseFile } from "../../src/sqlite/Database.ts"
import { seedFactory } from "../support/factoryFixture.ts"
import { startS3Server } from "../support/s3server.ts"
import { withWallClockStepper } from "../../chaos/SteppedClock.ts"

const root = mkdtempSync(join(tmpdir(), "nf-backup-actor-"))
const data = join(root, "data")
beforeAll(() => Effect.runPromise(seedFactory(data, { episodes: 3, paragraphs: 4 })))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

const setup = (wrap: (s: BlobStoreShape) => BlobStoreShape = (s) => s) => {
  const dir = join(root, `store-${++n}`)
  const store = makeDirectoryBlobStore(dir)
  return { dir, store, backups: makeBackups({ store: wrap(store), databasePath: databaseFile(data), tempDir: root }) }
}

const MINUTE = 60_000

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

  it.effect("after the wall clock steps back an hour, every fresh backup survives retention", () =>
    withWallClockStepper((wall) =>
      Effect.gen(function* () {
        const { backups } = setup()
        yield* TestClock.setTime(Date.UTC(2030, 0, 1, 4))
        const actor = yield* makeBackupActor({ retention: { keepLast: 2, keepDaily: 0, keepWeekly: 0 }, catchUp: false }).pipe(
          Effect.provideService(Backups, backups),
        )
        const before = yield* actor.trigger
        yield* TestClock.adjust("10 minutes")
        yield* wall.step(-3_600_000)
        // Each of these is stamped about an hour before the first: by time it looks older.
        const fresh: Array<string> = []
        for (let i = 0; i < 3; i++) {
          const r = yield* actor.trigger
          expect(r.prune.removed).not.toContain(r.manifest.id)
          fresh.push(r.manifest.id)
          yield* TestClock.adjust("10 minutes")
        }
        expect(backupIdTime(fresh[0]!)).toBeLessThan(backupIdTime(before.manifest.id)!)
        // keepLast 2 in creation order: the two newest, whatever their stamps.
        expect((yield* backups.list).map((m) => m.id)).toEqual(fresh.slice(1))
        expect((yield* backups.latest)?.id).toBe(fresh[2])
      })
    ))

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

  it.effect("a cycle sweeps the temp file of an upload killed longer ago than the grace, not a younger one", () =>
    Effect.gen(function* () {
      const { dir, backups } = setup()
      const now = Date.UTC(2030, 0, 1)
      const leftover = (name: string, age: number) => {
        const path = join(dir, "20291231T220000000Z-0a0b0c", name)
        mkdirSync(join(path, ".."), { recursive: true })
        writeFileSync(path, "half a snapshot")
        utimesSync(path, new Date(now - age), new Date(now - age))
        return path
      }
      const old = leftover(".tmp-0123456789ab", 61 * MINUTE)
      const young = leftover(".tmp-ba9876543210", 59 * MINUTE)
      yield* TestClock.setTime(now)
      const actor = yield* makeBackupActor({ catchUp: false }).pipe(Effect.provideService(Backups, backups))
      const r = yield* actor.trigger
      expect(r.sweptInterrupted).toEqual([{ key: "20291231T220000000Z-0a0b0c/.tmp-0123456789ab", startedAt: now - 61 * MINUTE }])
      expect(r.sweepProblem).toBeUndefined()
      expect(existsSync(old)).toBe(false)
      expect(existsSync(young)).toBe(true)
    }))

  it.effect("on S3, a cycle aborts a multipart upload left open longer ago than the configured grace", () =>
    Effect.gen(function* () {
      const server = yield* Effect.acquireRelease(Effect.promise(() => startS3Server()), (s) => Effect.promise(() => s.close()))
      const client = makeS3Client({ bucket: "b", endpoint: server.endpoint, forcePathStyle: true, env: { AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" } })
      if (client instanceof S3CredentialsMissing) return yield* Effect.die(client)
      yield* Effect.addFinalizer(() => Effect.sync(() => client.destroy()))
      const store = makeS3BlobStore(client, { bucket: "b", prefix: "nf" })
      const backups = makeBackups({ store, databasePath: databaseFile(data), tempDir: root })
      const now = Date.UTC(2030, 0, 1)
      // What a process killed mid-upload leaves: an upload created, a part sent, no completion.
      const open = (key: string, age: number) =>
        Effect.promise(async () => {
          const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: "b", Key: key }))
          await client.send(new UploadPartCommand({ Bucket: "b", Key: key, UploadId, PartNumber: 1, Body: new Uint8Array(64), ContentLength: 64 }))
          server.uploads.get(UploadId!)!.initiated = new Date(now - age)
          return UploadId!
        })
      const old = yield* open("nf/20291231T230000000Z-0a0b0c/factory.db.gz", 45 * MINUTE)
      const young = yield* open("nf/20291231T234500000Z-0d0e0f/factory.db.gz", 20 * MINUTE)
      yield* TestClock.setTime(now)
      // 30 minutes, not the default hour: the cycle sweeps with the configured grace.
      const actor = yield* makeBackupActor({ catchUp: false, incompleteGraceMs: 30 * MINUTE }).pipe(Effect.provideService(Backups, backups))
      const r = yield* actor.trigger
      expect(r.sweptInterrupted).toEqual([{ key: "20291231T230000000Z-0a0b0c/factory.db.gz", uploadId: old, startedAt: now - 45 * MINUTE }])
      expect([...server.uploads.keys()]).toEqual([young])
      expect((yield* backups.list).map((m) => m.id)).toEqual([r.manifest.id])
    }).pipe(Effect.scoped))

  it.effect("a sweep that fails does not fail the cycle: the backup stands and the result says why", () =>
    Effect.gen(function* () {
      const { backups } = setup((s) => ({
        ...s,
        sweepInterrupted: () => Effect.fail(new BlobError({ message: "AccessDenied: s3:ListBucketMultipartUploads (injected)" })),
      }))
      yield* TestClock.setTime(Date.UTC(2030, 0, 1))
      const actor = yield* makeBackupActor({ catchUp: false }).pipe(Effect.provideService(Backups, backups))
      const r = yield* actor.trigger
      expect(r.sweptInterrupted).toEqual([])
      expect(r.sweepProblem).toContain("ListBucketMultipartUploads")
      expect(r.verification?.ok).toBe(true)
      expect((yield* backups.list).map((m) => m.id)).toEqual([r.manifest.id])
    }))

  it.effect("an invalid schedule is refused with the expression named", () =>
    Effect.gen(function* () {
      const { backups } = setup()
      const error = yield* Effect.flip(makeBackupActor({ schedule: "at dawn" }).pipe(Effect.provideService(Backups, backups)))
      expect(error.message).toContain("at dawn")
    }))
})
