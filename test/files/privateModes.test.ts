/**
 * Issue 16 "Files": the data directory was 0755 and the database, WAL and backups 0644, readable
 * by every user of the machine. Run under the usual umask 022, which produced those modes.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeBackups } from "../../src/backup/Backups.ts"
import { makeDirectoryBlobStore } from "../../src/blob/DirectoryBlobStore.ts"
import { databaseFile, openDatabase } from "../../src/sqlite/Database.ts"
import { seedFactory } from "../support/factoryFixture.ts"

const root = mkdtempSync(join(tmpdir(), "nf-modes-"))
let umask: number
beforeAll(() => {
  umask = process.umask(0o022)
})
afterAll(() => {
  process.umask(umask)
  rmSync(root, { recursive: true, force: true })
})

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8)

/** Every file and directory under `dir`, with its mode. */
const modesUnder = (dir: string): Array<{ path: string; mode: string; directory: boolean }> =>
  readdirSync(dir, { withFileTypes: true, recursive: true }).map((entry) => {
    const path = join(entry.parentPath, entry.name)
    return { path, mode: modeOf(path), directory: entry.isDirectory() }
  })

describe("private files", () => {
  it("creates a new data directory 0700 and the database, WAL and shared memory 0600", () => {
    const home = join(root, "fresh", "home")
    const db = openDatabase({ path: databaseFile(home) })
    try {
      db.exec("CREATE TABLE t (x)")
      db.exec("INSERT INTO t VALUES (1)")
      expect(modeOf(join(root, "fresh"))).toBe("700")
      expect(modeOf(home)).toBe("700")
      expect(modeOf(databaseFile(home))).toBe("600")
      expect(modeOf(`${databaseFile(home)}-wal`)).toBe("600")
      expect(modeOf(`${databaseFile(home)}-shm`)).toBe("600")
    } finally {
      db.close()
    }
  })

  it("takes group and other access off a database and WAL an older version left 0644", () => {
    const home = join(root, "older")
    const first = openDatabase({ path: databaseFile(home) })
    first.exec("CREATE TABLE t (x)")
    // Hold the WAL open, as a running `serve` would, while the modes are widened behind it.
    for (const path of [databaseFile(home), `${databaseFile(home)}-wal`, `${databaseFile(home)}-shm`]) chmodSync(path, 0o644)
    const second = openDatabase({ path: databaseFile(home) })
    try {
      expect(modeOf(databaseFile(home))).toBe("600")
      expect(modeOf(`${databaseFile(home)}-wal`)).toBe("600")
      expect(modeOf(`${databaseFile(home)}-shm`)).toBe("600")
    } finally {
      second.close()
      first.close()
    }
  })

  it("keeps an existing database's contents: creating the file first never truncates it", () => {
    const home = join(root, "kept")
    const db = openDatabase({ path: databaseFile(home) })
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (42)")
    db.close()
    const again = openDatabase({ path: databaseFile(home) })
    try {
      expect(again.prepare("SELECT x FROM t").get()).toEqual({ x: 42 })
    } finally {
      again.close()
    }
  })

  it("writes backups 0600 in directories made 0700, and restores into a 0700 data directory", async () => {
    const data = join(root, "backed-up")
    await Effect.runPromise(seedFactory(data, { episodes: 2 }))
    const storeRoot = join(root, "backups")
    const backups = makeBackups({ store: makeDirectoryBlobStore(storeRoot), databasePath: databaseFile(data), tempDir: root })
    const manifest = await Effect.runPromise(backups.create)
    const written = modesUnder(storeRoot)
    expect(written.filter((e) => !e.directory).length).toBeGreaterThanOrEqual(2)
    for (const entry of written) expect(entry.mode, entry.path).toBe(entry.directory ? "700" : "600")
    expect(modeOf(storeRoot)).toBe("700")

    const target = join(root, "restored")
    await Effect.runPromise(backups.restore(manifest.id, target))
    expect(modeOf(target)).toBe("700")
    expect(modeOf(databaseFile(target))).toBe("600")
  })

  it("writes a blob put as a stream 0600 too", async () => {
    const storeRoot = join(root, "streamed")
    const store = makeDirectoryBlobStore(storeRoot)
    async function* chunks() {
      yield new TextEncoder().encode("part one, ")
      yield new TextEncoder().encode("part two")
    }
    await Effect.runPromise(store.put("a/b/object", chunks()))
    expect(modeOf(join(storeRoot, "a", "b", "object"))).toBe("600")
    expect(modeOf(join(storeRoot, "a"))).toBe("700")
  })
})
