import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { makeDirectoryBlobStore } from "../../src/blob/DirectoryBlobStore.ts"
import { makeBackups } from "../../src/backup/Backups.ts"
import { backupsLayer } from "../../src/backup/Location.ts"
import { defaultConfig, FactoryConfig } from "../../src/config/FactoryConfig.ts"
import { Database } from "../../src/sqlite/Database.ts"
import { scratchRootOf, sweepScratch } from "../../src/backup/Scratch.ts"
import { databaseFile } from "../../src/sqlite/Database.ts"
import { seedFactory } from "../support/factoryFixture.ts"

const root = mkdtempSync(join(tmpdir(), "nf-scratch-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const fresh = (name: string) => join(root, `${name}-${++n}`)

/** The pid of a process that has exited. */
const deadPid = (): number => {
  const child = spawnSync(process.execPath, ["-e", ""])
  return child.pid!
}

/** A scratch directory as a killed backup leaves it: a snapshot copy inside. */
const leave = (dir: string, name: string, bytes = 4096): string => {
  const path = join(dir, name)
  mkdirSync(path, { recursive: true })
  writeFileSync(join(path, "factory.db"), Buffer.alloc(bytes))
  return path
}

describe("backup scratch space", () => {
  it.effect("a sweep removes what killed runs left and keeps what live processes hold", () =>
    Effect.gen(function* () {
      const dir = fresh("scratch")
      const dead = leave(dir, `.nf-backup-${deadPid()}-aB3xYz`, 10_000)
      const samePid = leave(dir, `.nf-backup-${process.pid}-Qw12er`)
      const live = leave(dir, `.nf-backup-${process.ppid}-zzZZ99`)
      const ancient = leave(dir, `.nf-backup-${process.ppid}-old000`)
      const unrelated = leave(dir, "notes")
      const day = 24 * 60 * 60_000
      const now = Date.now()
      utimesSync(ancient, new Date(now - 2 * day), new Date(now - 2 * day))
      yield* TestClock.setTime(now)

      const swept = yield* sweepScratch(dir, day)
      expect(swept.map((s) => s.path).sort()).toEqual([ancient, dead, samePid].sort())
      expect(swept.find((s) => s.path === dead)!.bytes).toBe(10_000)
      expect(existsSync(dead) || existsSync(samePid) || existsSync(ancient)).toBe(false)
      expect(existsSync(live) && existsSync(unrelated)).toBe(true)
      // nothing to do the second time
      expect(yield* sweepScratch(dir, day)).toEqual([])
    }))

  it.effect("a backup makes its scratch under <data>/.tmp, sweeps a killed run's first, and leaves none of its own", () =>
    Effect.gen(function* () {
      const data = fresh("data")
      yield* Effect.promise(() => Effect.runPromise(seedFactory(data, { episodes: 3 })))
      const scratchRoot = scratchRootOf(data)
      const stale = leave(scratchRoot, `.nf-backup-${deadPid()}-k1ll3d`)
      const backups = makeBackups({ store: makeDirectoryBlobStore(fresh("store")), databasePath: databaseFile(data) })
      const manifest = yield* backups.create
      expect(manifest.counts.episodes).toBe(3)
      expect(existsSync(stale)).toBe(false)
      expect(readdirSync(scratchRoot)).toEqual([])
      // the verify download goes there too, and leaves nothing
      expect((yield* backups.verify(manifest.id)).ok).toBe(true)
      expect(readdirSync(scratchRoot)).toEqual([])
    }))

  it.effect("sweepScratch, as the backup service runs it at start-up, removes a stale copy", () =>
    Effect.gen(function* () {
      const data = fresh("data")
      const stale = leave(scratchRootOf(data), `.nf-backup-${deadPid()}-st4l3X`)
      const backups = makeBackups({ store: makeDirectoryBlobStore(fresh("store")), databasePath: databaseFile(data) })
      expect((yield* backups.sweepScratch).map((s) => s.path)).toEqual([stale])
      expect(existsSync(stale)).toBe(false)
    }))

  it.effect("the daemon's backup service sweeps at start-up, before any backup runs", () =>
    Effect.gen(function* () {
      const data = fresh("data")
      const stale = leave(scratchRootOf(data), `.nf-backup-${deadPid()}-b00t00`)
      const layer = backupsLayer({}).pipe(
        Layer.provide(Layer.mergeAll(Layer.succeed(FactoryConfig, defaultConfig(data)), Database.layerIn(data))),
      )
      yield* Effect.scoped(Effect.flatMap(Layer.build(layer), () => Effect.void))
      expect(existsSync(stale)).toBe(false)
    }))
})
