import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3"
import { Clock, Data, Effect, Layer, Option } from "effect"
import {
  BlobError,
  type BlobInfo,
  BlobNotFound,
  BlobStore,
  type BlobStoreShape,
  type InterruptedUpload,
  type InvalidBlobKey,
  isStream,
  joinKey,
  validateKey,
  validatePrefix,
} from "./BlobStore.ts"

export interface S3BlobStoreOptions {
  readonly bucket: string
  /** Key prefix inside the bucket (`novel-factory/prod`); no leading or trailing `/` needed. */
  readonly prefix?: string | undefined
  /** Default `us-east-1` (S3-compatible servers usually ignore it). */
  readonly region?: string | undefined
  /** For S3-compatible servers (MinIO, Ceph, R2 …): `http://127.0.0.1:9000`. */
  readonly endpoint?: string | undefined
  /** `bucket` in the path instead of the host name; most S3-compatible servers need it. */
  readonly forcePathStyle?: boolean | undefined
  /** Objects larger than this are sent as a multipart upload. Default 16 MiB. */
  readonly multipartThreshold?: number | undefined
  /** Size of each part of a multipart upload; S3 requires ≥ 5 MiB for all parts but the last. Default 8 MiB. */
  readonly partSize?: number | undefined
  /** Where the credentials come from: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`. */
  readonly env: Readonly<Record<string, string | undefined>>
}

export class S3CredentialsMissing extends Data.TaggedError("S3CredentialsMissing")<{ readonly missing: ReadonlyArray<string> }> {
  override get message() {
    return `S3 credentials come from the environment only: set ${this.missing.join(" and ")}`
  }
}

const MiB = 1024 * 1024

const describeError = (error: unknown): string => {
  if (error instanceof Error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    return `${error.name !== "Error" ? `${error.name}: ` : ""}${error.message}${status ? ` (HTTP ${status})` : ""}`
  }
  return String(error)
}

const isNotFound = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null) return false
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } }
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.Code === "NoSuchKey" || e.$metadata?.httpStatusCode === 404
}

/** Reads a stream into chunks of exactly `size` bytes (the last may be shorter). */
async function* rechunk(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let pending: Array<Buffer> = []
  let pendingSize = 0
  for await (const chunk of source) {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    while (buf.length > 0) {
      const take = Math.min(size - pendingSize, buf.length)
      pending.push(buf.subarray(0, take))
      pendingSize += take
      buf = buf.subarray(take)
      if (pendingSize === size) {
        yield Buffer.concat(pending, pendingSize)
        pending = []
        pendingSize = 0
      }
    }
  }
  if (pendingSize > 0) yield Buffer.concat(pending, pendingSize)
}

/** Builds the S3 client; fails when the credentials are not in the environment. */
export const makeS3Client = (options: S3BlobStoreOptions): S3Client | S3CredentialsMissing => {
  const accessKeyId = options.env["AWS_ACCESS_KEY_ID"]
  const secretAccessKey = options.env["AWS_SECRET_ACCESS_KEY"]
  const missing = [
    ...(accessKeyId ? [] : ["AWS_ACCESS_KEY_ID"]),
    ...(secretAccessKey ? [] : ["AWS_SECRET_ACCESS_KEY"]),
  ]
  if (missing.length > 0 || !accessKeyId || !secretAccessKey) return new S3CredentialsMissing({ missing })
  const sessionToken = options.env["AWS_SESSION_TOKEN"]
  return new S3Client({
    region: options.region ?? options.env["AWS_REGION"] ?? "us-east-1",
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
    // Checksums only where S3 requires them: the flexible-checksum defaults (CRC32 trailers,
    // aws-chunked bodies) are not understood by many S3-compatible servers. Integrity of
    // backups is checked end to end with SHA-256 by the manifest anyway.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 3,
  })
}

/**
 * Objects in an S3 bucket (or any S3-compatible server) under `prefix/`. A `put` is atomic
 * as S3 objects are: a multipart upload becomes visible only on `CompleteMultipartUpload`,
 * and a failed one is aborted so that no parts linger (one cut short by a kill is left to
 * `sweepInterrupted`).
 */
export const makeS3BlobStore = (client: S3Client, options: Omit<S3BlobStoreOptions, "env">): BlobStoreShape => {
  const bucket = options.bucket
  const prefix = joinKey(options.prefix ?? "")
  const threshold = options.multipartThreshold ?? 16 * MiB
  const partSize = Math.max(1, options.partSize ?? 8 * MiB)
  const describe = `s3://${bucket}${prefix ? `/${prefix}` : ""}`
  const fullKey = (key: string) => (prefix ? `${prefix}/${key}` : key)
  const fail = (op: string, key: string) => (error: unknown) =>
    new BlobError({ message: `${describe}: ${op} '${key}' failed: ${describeError(error)}`, key, cause: error })
  const checked = <A, E>(key: string, body: () => Effect.Effect<A, E>): Effect.Effect<A, E | InvalidBlobKey> =>
    Effect.suspend((): Effect.Effect<A, E | InvalidBlobKey> => {
      const invalid = validateKey(key)
      return invalid ? Effect.fail(invalid) : body()
    })

  const putSmall = (key: string, bytes: Uint8Array, signal: AbortSignal) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: fullKey(key), Body: bytes, ContentLength: bytes.length }), { abortSignal: signal })

  const putMultipart = async (key: string, first: ReadonlyArray<Buffer>, rest: AsyncIterator<Buffer>, signal: AbortSignal): Promise<number> => {
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: fullKey(key) }), { abortSignal: signal })
    const uploadId = created.UploadId
    if (!uploadId) throw new Error("CreateMultipartUpload returned no UploadId")
    const parts: Array<{ PartNumber: number; ETag: string }> = []
    let total = 0
    try {
      const send = async (part: Buffer) => {
        const PartNumber = parts.length + 1
        const r = await client.send(
          new UploadPartCommand({ Bucket: bucket, Key: fullKey(key), UploadId: uploadId, PartNumber, Body: part, ContentLength: part.length }),
          { abortSignal: signal },
        )
        if (!r.ETag) throw new Error(`UploadPart ${PartNumber} returned no ETag`)
        parts.push({ PartNumber, ETag: r.ETag })
        total += part.length
      }
      for (const part of first) await send(part)
      for (let next = await rest.next(); !next.done; next = await rest.next()) await send(next.value)
      await client.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket, Key: fullKey(key), UploadId: uploadId, MultipartUpload: { Parts: parts } }),
        { abortSignal: signal },
      )
      return total
    } catch (error) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: fullKey(key), UploadId: uploadId }))
        .catch(() => undefined)
      throw error
    }
  }

  const put: BlobStoreShape["put"] = (key, body) =>
    checked(key, () =>
      Effect.tryPromise({
        try: async (signal): Promise<BlobInfo> => {
          if (!isStream(body) && body.length <= threshold) {
            await putSmall(key, body, signal)
            return { key, size: body.length }
          }
          // Read parts until we know whether the object crosses the threshold.
          const source = isStream(body) ? body : (async function* () {
            yield body
          })()
          const parts = rechunk(source, partSize)[Symbol.asyncIterator]()
          const buffered: Array<Buffer> = []
          let bufferedSize = 0
          while (bufferedSize <= threshold) {
            const next = await parts.next()
            if (next.done) {
              const bytes = Buffer.concat(buffered, bufferedSize)
              await putSmall(key, bytes, signal)
              return { key, size: bytes.length }
            }
            buffered.push(next.value)
            bufferedSize += next.value.length
          }
          const size = await putMultipart(key, buffered, parts, signal)
          return { key, size }
        },
        catch: fail("put", key),
      }))

  const getStream: BlobStoreShape["getStream"] = (key) =>
    checked(key, () =>
      Effect.tryPromise({
        try: async (signal) => {
          const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: fullKey(key) }), { abortSignal: signal })
          if (!r.Body) throw new Error("GetObject returned no body")
          return r.Body as unknown as AsyncIterable<Uint8Array>
        },
        catch: (error) => (isNotFound(error) ? new BlobNotFound({ store: describe, key }) : fail("get", key)(error)),
      }))

  const get: BlobStoreShape["get"] = (key) =>
    checked(key, () =>
      Effect.tryPromise({
        try: async (signal) => {
          const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: fullKey(key) }), { abortSignal: signal })
          if (!r.Body) throw new Error("GetObject returned no body")
          return await r.Body.transformToByteArray()
        },
        catch: (error) => (isNotFound(error) ? new BlobNotFound({ store: describe, key }) : fail("get", key)(error)),
      }))

  const head: BlobStoreShape["head"] = (key) =>
    checked(key, () =>
      Effect.tryPromise({
        try: async (signal) => {
          try {
            const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: fullKey(key) }), { abortSignal: signal })
            return Option.some<BlobInfo>({
              key,
              size: r.ContentLength ?? 0,
              ...(r.LastModified ? { lastModified: r.LastModified.getTime() } : {}),
            })
          } catch (error) {
            if (isNotFound(error)) return Option.none<BlobInfo>()
            throw error
          }
        },
        catch: fail("head", key),
      }))

  const list: BlobStoreShape["list"] = (listPrefix) =>
    Effect.suspend((): Effect.Effect<ReadonlyArray<BlobInfo>, BlobError | InvalidBlobKey> => {
      const invalid = validatePrefix(listPrefix)
      if (invalid) return Effect.fail(invalid)
      return Effect.tryPromise({
        try: async (signal) => {
          const out: Array<BlobInfo> = []
          const strip = prefix ? prefix.length + 1 : 0
          let token: string | undefined
          do {
            const r = await client.send(
              new ListObjectsV2Command({
                Bucket: bucket,
                Prefix: prefix ? `${prefix}/${listPrefix}` : listPrefix,
                ...(token ? { ContinuationToken: token } : {}),
              }),
              { abortSignal: signal },
            )
            for (const o of r.Contents ?? []) {
              if (!o.Key) continue
              const key = o.Key.slice(strip)
              if (validateKey(key) !== undefined) continue
              out.push({ key, size: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified.getTime() } : {}) })
            }
            token = r.IsTruncated ? r.NextContinuationToken : undefined
          } while (token)
          return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        },
        catch: fail("list", listPrefix),
      })
    })

  const remove: BlobStoreShape["delete"] = (key) =>
    checked(key, () =>
      Effect.tryPromise({
        try: async (signal) => {
          try {
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: fullKey(key) }), { abortSignal: signal })
          } catch (error) {
            if (!isNotFound(error)) throw error
          }
        },
        catch: fail("delete", key),
      }))

  const sweepInterrupted: BlobStoreShape["sweepInterrupted"] = (sweepPrefix, olderThanMs) =>
    Effect.gen(function* () {
      const invalid = validatePrefix(sweepPrefix)
      if (invalid) return yield* invalid
      const cutoff = (yield* Clock.currentTimeMillis) - olderThanMs
      return yield* Effect.tryPromise({
        try: async (signal) => {
          const strip = prefix ? prefix.length + 1 : 0
          const stale: Array<InterruptedUpload> = []
          let keyMarker: string | undefined
          let uploadIdMarker: string | undefined
          do {
            const r = await client.send(
              new ListMultipartUploadsCommand({
                Bucket: bucket,
                Prefix: prefix ? `${prefix}/${sweepPrefix}` : sweepPrefix,
                ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
                ...(uploadIdMarker !== undefined ? { UploadIdMarker: uploadIdMarker } : {}),
              }),
              { abortSignal: signal },
            )
            for (const u of r.Uploads ?? []) {
              if (!u.Key || !u.UploadId) continue
              const key = u.Key.slice(strip)
              // Only keys this store could have written: the bucket may be shared.
              if (validateKey(key) !== undefined) continue
              // Without a start time the upload's age is unknown: it may be live.
              if (!u.Initiated || u.Initiated.getTime() > cutoff) continue
              stale.push({ key, uploadId: u.UploadId, startedAt: u.Initiated.getTime() })
            }
            keyMarker = r.IsTruncated ? r.NextKeyMarker : undefined
            uploadIdMarker = r.IsTruncated ? r.NextUploadIdMarker : undefined
          } while (keyMarker !== undefined)
          const removed: Array<InterruptedUpload> = []
          for (const upload of stale) {
            try {
              await client.send(
                new AbortMultipartUploadCommand({ Bucket: bucket, Key: fullKey(upload.key), UploadId: upload.uploadId }),
                { abortSignal: signal },
              )
              removed.push(upload)
            } catch (error) {
              // Completed or aborted by someone else since the listing: nothing left to remove.
              if (!isNotFound(error)) throw error
            }
          }
          return removed
        },
        catch: fail("sweep", sweepPrefix),
      })
    })

  return {
    describe,
    put,
    get,
    getStream,
    head,
    exists: (key) => Effect.map(head(key), Option.isSome),
    list,
    delete: remove,
    sweepInterrupted,
  }
}

export const S3BlobStore = {
  make: makeS3BlobStore,
  /** Scoped: the client is destroyed with the layer. Fails when the credentials are missing. */
  layer: (options: S3BlobStoreOptions): Layer.Layer<BlobStore, S3CredentialsMissing> =>
    Layer.effect(
      BlobStore,
      Effect.acquireRelease(
        Effect.suspend(() => {
          const client = makeS3Client(options)
          return client instanceof S3CredentialsMissing ? Effect.fail(client) : Effect.succeed(client)
        }),
        (client) => Effect.sync(() => client.destroy()),
      ).pipe(Effect.map((client) => BlobStore.of(makeS3BlobStore(client, options)))),
    ),
}
