import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
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
}

const dirHarness = (): Harness & { root: () => string } => {
  let root = ""
  let store: BlobStoreShape
  return {
    name: "directory",
    root: () => root,
    store: () => store,
    setup: async () => {
      root = mkdtempSync(join(tmpdir(), "nf-blob-"))
      store = makeDirectoryBlobStore(join(root, "store"))
    },
    teardown: async () => rmSync(root, { recursive: true, force: true }),
  }
}

const s3Harness = (): Harness & { server: () => S3TestServer } => {
  let server: S3TestServer
  let store: BlobStoreShape
  return {
    name: "s3 (loopback)",
    server: () => server,
    store: () => store,
    setup: async () => {
      server = await startS3Server({ pageSize: 3 })
      const client = makeS3Client({
        bucket: "nf",
        endpoint: server.endpoint,
        forcePathStyle: true,
        env: { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
      })
      if (client instanceof S3CredentialsMissing) throw client
      // Small threshold and parts so that the multipart path runs on a few hundred KiB.
      store = makeS3BlobStore(client, { bucket: "nf", prefix: "factory/prod", multipartThreshold: 100_000, partSize: 64 * 1024 })
    },
    teardown: async () => server.close(),
  }
}

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

  it("refuses to start without credentials in the environment, naming the variables", () => {
    const r = makeS3Client({ bucket: "b", env: { AWS_ACCESS_KEY_ID: "x" } })
    expect(r).toBeInstanceOf(S3CredentialsMissing)
    expect((r as S3CredentialsMissing).message).toContain("AWS_SECRET_ACCESS_KEY")
  })
})
