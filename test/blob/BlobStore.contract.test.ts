import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { CreateMultipartUploadCommand, type S3Client, UploadPartCommand } from "@aws-sdk/client-s3"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import type { BlobStoreShape } from "../../src/blob/BlobStore.ts"
import { collect } from "../../src/blob/BlobStore.ts"
import { makeDirectoryBlobStore } from "../../src/blob/DirectoryBlobStore.ts"
import { makeS3BlobStore, makeS3Client, S3CredentialsMissing } from "../../src/blob/S3BlobStore.ts"
import { startS3Server, type S3TestServer } from "../support/s3server.ts"

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

async function* chunks(total: number, chunk: number, failAt?: number): AsyncGenerator<Uint8Array> {
  let sent = 0
  let i = 0
  while (sent < total) {
    if (failAt !== undefined && sent >= failAt) throw new Error("source broke")
    const n = Math.min(chunk, total - sent)
    yield new Uint8Array(n).fill(i++ % 251)
    sent += n
  }
}

interface Harness {
  readonly name: string
  store: () => BlobStoreShape
  setup: () => Promise<void>
  teardown: () => Promise<void>
  /**
   * Leaves what a process killed while writing `key` leaves, started at `startedAt` (epoch
   * ms); returns the key `sweepInterrupted` reports for it.
   */
  leftover: (key: string, startedAt: number) => Promise<string>
  /** The reported keys of the leftovers still in the store, sorted. */
  leftovers: () => Array<string>
}

const dirHarness = (): Harness & { root: () => string } => {
  let root = ""
  let store: BlobStoreShape
  const base = () => join(root, "store")
  return {
    name: "directory",
    root: () => root,
    store: () => store,
    setup: async () => {
      root = mkdtempSync(join(tmpdir(), "nf-blob-"))
      store = makeDirectoryBlobStore(base())
    },
    teardown: async () => rmSync(root, { recursive: true, force: true }),
    // A put killed between creating its temp file and renaming it over the key.
    leftover: async (key, startedAt) => {
      const dir = dirname(key)
      const temp = `${dir === "." ? "" : `${dir}/`}.tmp-${randomBytes(6).toString("hex")}`
      const path = join(base(), ...temp.split("/"))
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, "half of an object")
      utimesSync(path, new Date(startedAt), new Date(startedAt))
      return temp
    },
    leftovers: () =>
      (readdirSync(base(), { recursive: true }) as Array<string>)
        .filter((p) => p.split("/").pop()!.startsWith(".tmp-"))
        .sort(),
  }
}

/** What a kill leaves on S3: an upload created, a part sent, then neither completed nor aborted. */
const openUpload = async (server: S3TestServer, client: S3Client, fullKey: string, startedAt: number): Promise<string> => {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: "nf", Key: fullKey }))
  const UploadId = created.UploadId!
  const part = new Uint8Array(1024).fill(3)
  await client.send(new UploadPartCommand({ Bucket: "nf", Key: fullKey, UploadId, PartNumber: 1, Body: part, ContentLength: part.length }))
  server.uploads.get(UploadId)!.initiated = new Date(startedAt)
  return UploadId
}

const s3Harness = (): Harness & { server: () => S3TestServer; client: () => S3Client } => {
  let server: S3TestServer
  let client: S3Client
  let store: BlobStoreShape
  return {
    name: "s3 (loopback)",
    server: () => server,
    client: () => client,
    store: () => store,
    setup: async () => {
      server = await startS3Server({ pageSize: 3 })
      const made = makeS3Client({
        bucket: "nf",
        endpoint: server.endpoint,
        forcePathStyle: true,
        env: { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
      })
      if (made instanceof S3CredentialsMissing) throw made
      client = made
      // Small threshold and parts so that the multipart path runs on a few hundred KiB.
      store = makeS3BlobStore(client, { bucket: "nf", prefix: "factory/prod", multipartThreshold: 100_000, partSize: 64 * 1024 })
    },
    teardown: async () => server.close(),
    leftover: async (key, startedAt) => {
      await openUpload(server, client, `factory/prod/${key}`, startedAt)
      return key
    },
    leftovers: () =>
      [...server.uploads.values()]
        .filter((u) => u.bucket === "nf" && u.key.startsWith("factory/prod/"))
        .map((u) => u.key.slice("factory/prod/".length))
        .sort(),
  }
}

/** Far ahead of the wall clock, so that every object the tests store looks ancient. */
const NOW = Date.UTC(2031, 0, 1)
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const sorted = (keys: ReadonlyArray<string>) => [...keys].sort()

const contract = (h: Harness) =>
  describe(`BlobStore contract: ${h.name}`, () => {
    beforeAll(h.setup)
    afterAll(h.teardown)

    it.effect("put then get returns the bytes; head and exists see the object", () =>
      Effect.gen(function* () {
        const s = h.store()
        const info = yield* s.put("a/b/hello.txt", bytes("안녕하세요"))
        expect(info.size).toBe(15)
        expect(text(yield* s.get("a/b/hello.txt"))).toBe("안녕하세요")
        const head = yield* s.head("a/b/hello.txt")
        expect(Option.getOrThrow(head).size).toBe(15)
        expect(yield* s.exists("a/b/hello.txt")).toBe(true)
        expect(yield* s.exists("a/b/nope.txt")).toBe(false)
      }))

    it.effect("put overwrites", () =>
      Effect.gen(function* () {
        const s = h.store()
        yield* s.put("over/x", bytes("one"))
        yield* s.put("over/x", bytes("two, longer"))
        expect(text(yield* s.get("over/x"))).toBe("two, longer")
      }))

    it.effect("a missing object: get fails with BlobNotFound, head is none, delete succeeds", () =>
      Effect.gen(function* () {
        const s = h.store()
        const error = yield* Effect.flip(s.get("missing/thing"))
        expect(error._tag).toBe("BlobNotFound")
        const streamError = yield* Effect.flip(s.getStream("missing/thing"))
        expect(streamError._tag).toBe("BlobNotFound")
        expect(Option.isNone(yield* s.head("missing/thing"))).toBe(true)
        yield* s.delete("missing/thing")
      }))

    it.effect("list returns the keys under a prefix, sorted, across pages", () =>
      Effect.gen(function* () {
        const s = h.store()
        for (const k of ["l/c", "l/a", "l/b/1", "l/b/2", "l/b/3", "l/bb", "lx/other"]) yield* s.put(k, bytes(k))
        expect((yield* s.list("l/")).map((i) => i.key)).toEqual(["l/a", "l/b/1", "l/b/2", "l/b/3", "l/bb", "l/c"])
        expect((yield* s.list("l/b")).map((i) => i.key)).toEqual(["l/b/1", "l/b/2", "l/b/3", "l/bb"])
        expect((yield* s.list("l/b/")).map((i) => i.key)).toEqual(["l/b/1", "l/b/2", "l/b/3"])
        expect((yield* s.list("l/b/2")).map((i) => i.size)).toEqual([5])
        expect(yield* s.list("nothing-here/")).toEqual([])
        const all = (yield* s.list("")).map((i) => i.key)
        expect(all).toContain("lx/other")
        expect(all).toContain("a/b/hello.txt")
      }))

    it.effect("delete removes the object", () =>
      Effect.gen(function* () {
        const s = h.store()
        yield* s.put("del/one", bytes("1"))
        yield* s.delete("del/one")
        expect(yield* s.exists("del/one")).toBe(false)
        expect(yield* s.list("del/")).toEqual([])
      }))

    it.effect("a stream is stored whole (large: multipart on S3) and read back as a stream", () =>
      Effect.gen(function* () {
        const s = h.store()
        const total = 300_000
        const info = yield* s.put("big/stream.bin", chunks(total, 7_000))
        expect(info.size).toBe(total)
        const back = yield* Effect.promise(() => collect(chunks(total, 7_000)))
        const got = yield* s.get("big/stream.bin")
        expect(Buffer.compare(Buffer.from(got), Buffer.from(back))).toBe(0)
        const streamed = yield* s.getStream("big/stream.bin").pipe(Effect.flatMap((st) => Effect.promise(() => collect(st))))
        expect(Buffer.compare(Buffer.from(streamed), Buffer.from(back))).toBe(0)
        // A small stream takes the single-request path.
        yield* s.put("big/small.bin", chunks(10, 3))
        expect((yield* s.get("big/small.bin")).length).toBe(10)
        // Empty object.
        yield* s.put("big/empty", new Uint8Array(0))
        expect((yield* s.get("big/empty")).length).toBe(0)
      }))

    it.effect("a stream that breaks leaves no object and no partial one", () =>
      Effect.gen(function* () {
        const s = h.store()
        const exit = yield* Effect.exit(s.put("broken/obj", chunks(300_000, 10_000, 200_000)))
        expect(Exit.isFailure(exit)).toBe(true)
        expect(yield* s.exists("broken/obj")).toBe(false)
        expect(yield* s.list("broken/")).toEqual([])
      }))

    it.effect("invalid keys are refused before any I/O", () =>
      Effect.gen(function* () {
        const s = h.store()
        for (const key of ["", "../x", "a/../b", "/abs", "a//b", "a/", ".hidden", "a/.tmp-x", "-rf", "a b", "x\u0000y", "k".repeat(513)]) {
          const e = yield* Effect.flip(s.put(key, bytes("x")))
          expect(e._tag, key).toBe("InvalidBlobKey")
          expect((yield* Effect.flip(s.get(key)))._tag, key).toBe("InvalidBlobKey")
        }
        expect((yield* Effect.flip(s.list("../")))._tag).toBe("InvalidBlobKey")
        expect((yield* Effect.flip(s.sweepInterrupted("../", 0)))._tag).toBe("InvalidBlobKey")
      }))

    it.effect("sweepInterrupted keeps a leftover younger than the cut-off (it may be a live upload) and sweeps it once it ages", () =>
      Effect.gen(function* () {
        const s = h.store()
        yield* TestClock.setTime(NOW)
        const young = yield* Effect.promise(() => h.leftover("sweep-young/a/obj", NOW - 10 * MINUTE))
        expect(yield* s.sweepInterrupted("sweep-young/", HOUR)).toEqual([])
        expect(h.leftovers()).toContain(young)

        yield* TestClock.adjust("50 minutes")
        const swept = yield* s.sweepInterrupted("sweep-young/", HOUR)
        expect(swept.map((u) => [u.key, u.startedAt])).toEqual([[young, NOW - 10 * MINUTE]])
        expect(h.leftovers()).not.toContain(young)
      }))

    it.effect("sweepInterrupted removes every leftover older than the cut-off, across pages, and reports when each began", () =>
      Effect.gen(function* () {
        const s = h.store()
        yield* TestClock.setTime(NOW)
        // Two on one key: on S3 a page then ends between two uploads of the same key.
        const old = [
          [yield* Effect.promise(() => h.leftover("sweep-old/a/obj", NOW - 2 * HOUR)), NOW - 2 * HOUR],
          [yield* Effect.promise(() => h.leftover("sweep-old/b/obj", NOW - 3 * HOUR)), NOW - 3 * HOUR],
          [yield* Effect.promise(() => h.leftover("sweep-old/b/obj", NOW - 90 * MINUTE)), NOW - 90 * MINUTE],
          [yield* Effect.promise(() => h.leftover("sweep-old/c/d/obj", NOW - 61 * MINUTE)), NOW - 61 * MINUTE],
        ] as const
        const young = yield* Effect.promise(() => h.leftover("sweep-old/a/later", NOW - 59 * MINUTE))

        const swept = yield* s.sweepInterrupted("sweep-old/", HOUR)
        expect(sorted(swept.map((u) => `${u.key} ${u.startedAt}`))).toEqual(sorted(old.map(([k, t]) => `${k} ${t}`)))
        expect(h.leftovers().filter((k) => k.startsWith("sweep-old/"))).toEqual([young])
        expect(yield* s.sweepInterrupted("sweep-old/", HOUR)).toEqual([])
      }))

    it.effect("sweepInterrupted never touches a completed object, however old", () =>
      Effect.gen(function* () {
        const s = h.store()
        yield* s.put("sweep-done/small", bytes("kept"))
        yield* s.put("sweep-done/big.bin", chunks(300_000, 7_000)) // multipart on S3
        const before = yield* s.list("sweep-done/")
        yield* TestClock.setTime(NOW) // years after the objects were written
        expect(yield* s.sweepInterrupted("sweep-done/", 0)).toEqual([])
        expect(yield* s.sweepInterrupted("", HOUR)).toEqual([])
        expect(yield* s.list("sweep-done/")).toEqual(before)
        expect(text(yield* s.get("sweep-done/small"))).toBe("kept")
        expect((yield* s.get("sweep-done/big.bin")).length).toBe(300_000)
      }))

    it.effect("sweepInterrupted leaves the leftovers under other prefixes alone", () =>
      Effect.gen(function* () {
        const s = h.store()
        yield* TestClock.setTime(NOW)
        const mine = yield* Effect.promise(() => h.leftover("sweep-p/x/obj", NOW - 5 * HOUR))
        const others = [
          yield* Effect.promise(() => h.leftover("sweep-pother/obj", NOW - 5 * HOUR)),
          yield* Effect.promise(() => h.leftover("sweep-q/x/obj", NOW - 5 * HOUR)),
          yield* Effect.promise(() => h.leftover("sweep-p-top", NOW - 5 * HOUR)),
        ]
        expect((yield* s.sweepInterrupted("sweep-p/", HOUR)).map((u) => u.key)).toEqual([mine])
        expect(h.leftovers()).not.toContain(mine)
        expect(h.leftovers()).toEqual(expect.arrayContaining(others))
        // The empty prefix means the whole store.
        expect(sorted((yield* s.sweepInterrupted("", HOUR)).map((u) => u.key))).toEqual(sorted(others))
        expect(h.leftovers()).toEqual(expect.not.arrayContaining(others))
      }))
  })

const dir = dirHarness()
contract(dir)
const s3 = s3Harness()
contract(s3)

describe("DirectoryBlobStore specifics", () => {
  beforeAll(dir.setup)
  afterAll(dir.teardown)
  it.effect("leaves no temp file behind after a failed stream", () =>
    Effect.gen(function* () {
      const s = dir.store()
      yield* Effect.exit(s.put("t/obj", chunks(100_000, 10_000, 50_000)))
      yield* s.put("t/ok", bytes("fine"))
      expect(readdirSync(join(dir.root(), "store", "t"))).toEqual(["ok"])
    }))

  it.effect("the temp file of a put still writing is not swept, and the put completes", () =>
    Effect.gen(function* () {
      const s = dir.store()
      let release = () => {}
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield bytes("first half, ")
        await gate
        yield bytes("second half")
      }
      // The temp file's mtime follows the wall clock, so the test clock must too.
      yield* TestClock.setTime(Date.now())
      const put = yield* Effect.forkChild(s.put("live/obj", slow()))
      const liveDir = join(dir.root(), "store", "live")
      const writing = () => existsSync(liveDir) && readdirSync(liveDir).some((n) => n.startsWith(".tmp-"))
      for (let i = 0; i < 10_000 && !writing(); i++) yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
      expect(writing()).toBe(true)

      expect(yield* s.sweepInterrupted("", HOUR)).toEqual([])
      release()
      yield* Fiber.join(put)
      expect(text(yield* s.get("live/obj"))).toBe("first half, second half")
      expect(readdirSync(liveDir)).toEqual(["obj"])
    }))
})

describe("S3BlobStore specifics", () => {
  beforeAll(s3.setup)
  afterAll(s3.teardown)
  it.effect("large objects go up as a multipart upload under the prefix", () =>
    Effect.gen(function* () {
      const server = s3.server()
      server.requests.length = 0
      yield* s3.store().put("mp/obj", new Uint8Array(250_000).fill(7))
      const ops = server.requests.map((r) => r.op)
      expect(ops[0]).toBe("CreateMultipartUpload")
      expect(ops.filter((o) => o === "UploadPart").length).toBe(4)
      expect(ops[ops.length - 1]).toBe("CompleteMultipartUpload")
      expect(server.objects.get("nf/factory/prod/mp/obj")?.length).toBe(250_000)
    }))

  it.effect("a failed part aborts the multipart upload: no object, no upload left", () =>
    Effect.gen(function* () {
      const server = s3.server()
      server.fault = (r) => (r.op === "UploadPart" && r.query.get("partNumber") === "3" ? 500 : undefined)
      const exit = yield* Effect.exit(s3.store().put("mp/failed", new Uint8Array(250_000).fill(1)))
      server.fault = undefined
      expect(Exit.isFailure(exit)).toBe(true)
      expect(server.objects.has("nf/factory/prod/mp/failed")).toBe(false)
      expect(server.uploads.size).toBe(0)
      expect(server.requests.some((r) => r.op === "AbortMultipartUpload")).toBe(true)
    }))

  it.effect("sweepInterrupted aborts only uploads of this store: not beside its prefix, not of keys it could not have written", () =>
    Effect.gen(function* () {
      const server = s3.server()
      yield* TestClock.setTime(NOW)
      const foreign = yield* Effect.promise(() =>
        Promise.all(
          ["factory/staging/obj", "factory/prodx/obj", "elsewhere", "factory/prod/a//b", "factory/prod/.hidden"].map((key) =>
            openUpload(server, s3.client(), key, NOW - 5 * HOUR)
          ),
        )
      )
      const mine = yield* Effect.promise(() => openUpload(server, s3.client(), "factory/prod/snap/obj", NOW - 5 * HOUR))
      const swept = yield* s3.store().sweepInterrupted("", HOUR)
      expect(swept).toEqual([{ key: "snap/obj", uploadId: mine, startedAt: NOW - 5 * HOUR }])
      expect(server.uploads.has(mine)).toBe(false)
      for (const id of foreign) expect(server.uploads.has(id)).toBe(true)
    }))

  it("refuses to start without credentials in the environment, naming the variables", () => {
    const r = makeS3Client({ bucket: "b", env: { AWS_ACCESS_KEY_ID: "x" } })
    expect(r).toBeInstanceOf(S3CredentialsMissing)
    expect((r as S3CredentialsMissing).message).toContain("AWS_SECRET_ACCESS_KEY")
  })
})
