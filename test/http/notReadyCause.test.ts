/**
 * `/readyz`'s cause classification (`src/http/NotReadyCause.ts`): errors as the adapters really
 * raise them — node:sqlite's result codes (a real SQLITE_FULL and SQLITE_BUSY), Node's system
 * errors, ioredis's words — wrapped as the stores and queues wrap them.
 */
import { DatabaseSync } from "node:sqlite"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { classifyCause, describeCause, downEntry } from "../../src/http/NotReadyCause.ts"
import { SqliteError } from "../../src/sqlite/Database.ts"
import { StoreUnavailable } from "../../src/story/StoryStore.ts"
import { QueueUnavailable } from "../../src/queue/JobQueue.ts"
import { realDiskFull } from "../support/sqliteFaults.ts"

/** What node:sqlite throws when another connection holds the write lock and there is no time to wait. */
const realBusy = (): unknown => {
  const dir = mkdtempSync(join(tmpdir(), "nf-busy-"))
  const a = new DatabaseSync(join(dir, "db"))
  const b = new DatabaseSync(join(dir, "db"))
  try {
    a.exec("CREATE TABLE t (x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
    b.exec("PRAGMA busy_timeout = 0")
    b.exec("BEGIN IMMEDIATE")
  } catch (error) {
    return error
  } finally {
    a.close()
    b.close()
    rmSync(dir, { recursive: true, force: true })
  }
  throw new Error("the second writer was not refused")
}

const asStore = (error: unknown) => new StoreUnavailable({ message: "x", cause: new SqliteError({ message: String(error), cause: error }) })
const system = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code })

describe("why a dependency is down", () => {
  it("names SQLite's full disk and lock, through the store's and the database's wrappers", () => {
    expect(classifyCause(asStore(realDiskFull()))).toBe("disk full (SQLITE_FULL)")
    expect(classifyCause(asStore(realBusy()))).toBe("database locked (SQLITE_BUSY)")
    // an extended result code (SQLITE_BUSY_SNAPSHOT = 517) is still the lock
    expect(classifyCause({ errcode: 517, message: "database is locked" })).toBe("database locked (SQLITE_BUSY)")
  })

  it("names the system's errors and a Redis that is unreachable", () => {
    expect(classifyCause(new QueueUnavailable({ message: "x", cause: system("ECONNREFUSED") }))).toBe("unreachable (ECONNREFUSED)")
    expect(classifyCause(asStore(system("ENOSPC")))).toBe("disk full (ENOSPC)")
    expect(classifyCause(new QueueUnavailable({ message: "redis: Connection is closed." }))).toBe("unreachable")
    expect(classifyCause(new QueueUnavailable({ message: "redis: Command timed out" }))).toBe("not answering in time")
  })

  it("a code deep in the chain wins over a wrapper's words; the identity refusal says itself", () => {
    const wrapped = new QueueUnavailable({ message: "Connection is closed", cause: asStore(realDiskFull()) })
    expect(classifyCause(wrapped)).toBe("disk full (SQLITE_FULL)")
    const mismatch = { _tag: "DeploymentMismatch", message: "queue 'nf' belongs to store a1, this store is b2" }
    expect(classifyCause(new QueueUnavailable({ message: "x", cause: mismatch }))).toBe(mismatch.message)
    expect(classifyCause({ _tag: "BreakerOpen", breaker: "queue" })).toBe("circuit breaker open")
  })

  it("an unknown error is named by its first line, never not at all; a cyclic chain ends", () => {
    expect(classifyCause(new Error("something odd"))).toBeUndefined()
    expect(describeCause(new Error("something odd\n    at stack"))).toBe("something odd")
    expect(describeCause("x".repeat(500)).length).toBe(160)
    const cyclic: { message: string; cause?: unknown } = { message: "loop" }
    cyclic.cause = cyclic
    expect(describeCause(cyclic)).toBe("loop")
    expect(downEntry("queue", undefined)).toBe("queue down")
    expect(downEntry("queue", "disk full (SQLITE_FULL)")).toBe("queue down (disk full (SQLITE_FULL))")
  })
})
