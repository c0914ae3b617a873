import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { TestClock } from "effect/testing"
import { BlobError, type BlobStoreShape } from "../../src/blob/BlobStore.ts"
import { makeDirectoryBlobStore } from "../../src/blob/DirectoryBlobStore.ts"
import { makeS3BlobStore, makeS3Client, S3CredentialsMissing } from "../../src/blob/S3BlobStore.ts"
import { makeBackups } from "../../src/backup/Backups.ts"
import { parseRestoreSource } from "../../src/backup/Location.ts"
import { resolveBackupSettings } from "../../src/backup/BackupConfig.ts"
import { Result } from "effect"
import { databaseFile } from "../../src/sqlite/Database.ts"
import { startS3Server, type S3TestServer } from "../support/s3server.ts"
import { readEpisodes, seedFactory } from "../support/factoryFixture.ts"

const EPISODES = 30
const root = mkdtempSync(join(tmpdir(), "nf-backup-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const fresh = (name: string) => join(root, `${name}-${++n}`)

interface StoreHarness {
  readonly name: string
  readonly setup: () => Promise<void>
  readonly teardown: () => Promise<void>
  readonly store: () => BlobStoreShape
  /** Flips one byte of the stored object. */
  readonly corrupt: (key: string) => void
}

const dirStore = (): StoreHarness => {
  let dir = ""
  return {
    name: "directory",
    setup: async () => {
      dir = fresh("store")
    },
    teardown: async () => {},
    store: () => makeDirectoryBlobStore(dir),
    corrupt: (key) => {
      const path = join(dir, ...key.split("/"))
      const bytes = readFileSync(path)
      bytes[Math.floor(bytes.length / 2)] ^= 0xff
      writeFileSync(path, bytes)
    },
  }
}

const s3Store = (): StoreHarness => {
  let server: S3TestServer
  let store: BlobStoreShape
  return {
    name: "s3 (loopback)",
    setup: async () => {
      server = await startS3Server()
      const client = makeS3Client({ bucket: "backups", endpoint: server.endpoint, forcePathStyle: true, env: { AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s" } })
      if (client instanceof S3CredentialsMissing) throw client
      // A tiny threshold so the database goes up as a multipart upload.
      store = makeS3BlobStore(client, { bucket: "backups", prefix: "nf/snapshots", multipartThreshold: 4096, partSize: 2048 })
    },
    teardown: async () => server.close(),
    store: () => store,
    corrupt: (key) => {
      const b = server.objects.get(`backups/nf/snapshots/${key}`)!
      b[Math.floor(b.length / 2)] ^= 0xff
    },
  }
}

for (const harness of [dirStore(), s3Store()]) {
  describe(`backup and restore: ${harness.name}`, () => {
    const data = fresh("data")
    beforeAll(async () => {
      await harness.setup()
      await Effect.runPromise(seedFactory(data, { episodes: EPISODES }))
    })
    afterAll(harness.teardown)

    it.effect(`backup → wipe → restore gives byte-identical episodes and equal counts (${EPISODES} episodes)`, () =>
      Effect.gen(function* () {
        const backups = makeBackups({ store: harness.store(), databasePath: databaseFile(data), tempDir: root })
        const before = yield* readEpisodes(data)
        expect(before.length).toBe(EPISODES)

        const t0 = performance.now()
        const manifest = yield* backups.create
        const backupMs = performance.now() - t0
        expect(manifest.counts.projects).toBe(1)
        expect(manifest.counts.episodes).toBe(EPISODES)
        expect(manifest.counts.ledgerRows).toBe(3)
        expect(manifest.objects[0]!.sha256).toMatch(/^[0-9a-f]{64}$/)
        expect((yield* backups.list).map((m) => m.id)).toEqual([manifest.id])

        const report = yield* backups.verify(manifest.id)
        expect(report.problems).toEqual([])
        expect(report.ok).toBe(true)

        rmSync(data, { recursive: true, force: true })
        const t1 = performance.now()
        const restored = yield* backups.restore(manifest.id, data)
        const restoreMs = performance.now() - t1
        expect(restored.counts).toEqual(manifest.counts)
        expect(readdirSync(data)).toEqual(["factory.db"])

        const after = yield* readEpisodes(data)
        expect(after).toEqual(before)
        for (let i = 0; i < before.length; i++) expect(Buffer.from(after[i]!.body).equals(Buffer.from(before[i]!.body))).toBe(true)
        console.log(
          `[${harness.name}] ${EPISODES} episodes: db ${manifest.objects[0]!.contentSize} B, stored ${manifest.objects[0]!.size} B (gzip); backup ${backupMs.toFixed(0)} ms, restore ${restoreMs.toFixed(0)} ms`,
        )
      }))

    it.effect("restore refuses a non-empty directory unless forced", () =>
      Effect.gen(function* () {
        const backups = makeBackups({ store: harness.store(), databasePath: databaseFile(data), tempDir: root })
        const [latest] = yield* backups.list
        const target = fresh("occupied")
        mkdirSync(target)
        writeFileSync(join(target, "notes.txt"), "keep me")
        writeFileSync(join(target, "factory.db-wal"), "stale wal")
        const refused = yield* Effect.flip(backups.restore(latest!.id, target))
        expect(refused._tag).toBe("RestoreRefused")
        expect(existsSync(join(target, "factory.db"))).toBe(false)
        const forced = yield* backups.restore(latest!.id, target, { force: true })
        expect(forced.counts.episodes).toBe(EPISODES)
        expect(readdirSync(target).sort()).toEqual(["factory.db", "notes.txt"])
        expect((yield* readEpisodes(target)).length).toBe(EPISODES)
      }))

    it.effect("a corrupted object is caught by verify, and restore refuses it", () =>
      Effect.gen(function* () {
        const backups = makeBackups({ store: harness.store(), databasePath: databaseFile(data), tempDir: root })
        const manifest = yield* backups.create
        harness.corrupt(`${manifest.id}/factory.db.gz`)
        const report = yield* backups.verify(manifest.id)
        expect(report.ok).toBe(false)
        expect(report.problems.join("\n")).toMatch(/factory\.db\.gz: SHA-256 [0-9a-f]{64}, manifest says/)
        const target = fresh("from-corrupt")
        const error = yield* Effect.flip(backups.restore(manifest.id, target))
        expect(error._tag).toBe("BackupError")
        expect(error.message).toContain("failed verification")
        expect(existsSync(join(target, "factory.db"))).toBe(false)
        // Unknown id.
        expect((yield* Effect.flip(backups.verify("20990101T000000000Z-000000")))._tag).toBe("BackupNotFound")
      }))

    it.effect("an interrupted upload (objects stored, manifest not) never lists as complete and is cleaned up after the grace period", () =>
      Effect.gen(function* () {
        const real = harness.store()
        const failingManifest: BlobStoreShape = {
          ...real,
          put: (key, body) =>
            key.endsWith("/manifest.json") ? Effect.fail(new BlobError({ message: "connection reset (injected)", key })) : real.put(key, body),
        }
        const broken = makeBackups({ store: failingManifest, databasePath: databaseFile(data), tempDir: root })
        const backups = makeBackups({ store: real, databasePath: databaseFile(data), tempDir: root })
        const listedBefore = (yield* backups.list).map((m) => m.id)

        yield* TestClock.setTime(Date.UTC(2030, 0, 1))
        const exit = yield* Effect.exit(broken.create)
        expect(Exit.isFailure(exit)).toBe(true)
        const incomplete = yield* backups.listIncomplete
        expect(incomplete.length).toBe(1)
        expect(incomplete[0]!.keys).toEqual([`${incomplete[0]!.id}/factory.db.gz`])
        expect((yield* backups.list).map((m) => m.id)).toEqual(listedBefore)
        expect((yield* Effect.flip(backups.verify(incomplete[0]!.id)))._tag).toBe("BackupNotFound")
        expect((yield* Effect.flip(backups.restore(incomplete[0]!.id, fresh("nope"))))._tag).toBe("BackupNotFound")

        // Within the grace period it may still be uploading: kept.
        yield* TestClock.adjust("30 minutes")
        expect(yield* backups.cleanupIncomplete(3_600_000)).toEqual([])
        yield* TestClock.adjust("31 minutes")
        expect(yield* backups.cleanupIncomplete(3_600_000)).toEqual([incomplete[0]!.id])
        expect(yield* backups.listIncomplete).toEqual([])
        expect((yield* real.list(`${incomplete[0]!.id}/`)).length).toBe(0)
        expect((yield* backups.list).map((m) => m.id)).toEqual(listedBefore)
      }))
  })
}

describe("restore sources", () => {
  const settings = Result.getOrThrow(resolveBackupSettings(undefined, "/srv/factory"))
  it("a bare id is in the configured store; a path is a snapshot directory; s3:// names bucket, prefix and id", () => {
    expect(parseRestoreSource("20250105T040000123Z-1a2b3c", settings, {}, "/")).toEqual({
      id: "20250105T040000123Z-1a2b3c",
      store: { kind: "directory", path: "/srv/factory/backups" },
    })
    expect(parseRestoreSource("/mnt/usb/nf/20250105T040000123Z-1a2b3c/", settings, {}, "/")).toEqual({
      id: "20250105T040000123Z-1a2b3c",
      store: { kind: "directory", path: "/mnt/usb/nf" },
    })
    const s3 = parseRestoreSource("s3://bucket/a/b/20250105T040000123Z-1a2b3c", settings, { AWS_ENDPOINT_URL: "http://127.0.0.1:9000" }, "/")
    expect(s3).toMatchObject({ id: "20250105T040000123Z-1a2b3c", store: { kind: "s3", bucket: "bucket", prefix: "a/b", endpoint: "http://127.0.0.1:9000", forcePathStyle: true } })
    expect(typeof parseRestoreSource("latest-one", settings, {}, "/")).toBe("string")
    expect(typeof parseRestoreSource("s3://bucket", settings, {}, "/")).toBe("string")
  })

  it("the backup section resolves with defaults and names a bad schedule (bad values are the config loader's: LoadConfig.test.ts)", () => {
    expect(settings.schedule).toBe("0 4 * * 0")
    expect(settings.retention).toEqual({ keepLast: 7, keepDaily: 7, keepWeekly: 4 })
    const bad = resolveBackupSettings({ schedule: "every sunday" }, "/h")
    expect(Result.isFailure(bad) && bad.failure).toContain("backup.schedule")
    const s3 = Result.getOrThrow(resolveBackupSettings({ store: { kind: "s3", bucket: "b", endpoint: "http://x" } }, "/h"))
    expect(s3.store).toEqual({ kind: "s3", bucket: "b", endpoint: "http://x" })
  })
})
