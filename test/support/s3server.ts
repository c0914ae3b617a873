import { createHash, randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A tiny in-memory S3-protocol server on loopback, path-style only, implementing just what
 * `S3BlobStore` sends: PUT/GET/HEAD/DELETE object, ListObjectsV2 (paginated), and multipart
 * create / upload part / complete / abort / ListMultipartUploads (paginated). Signatures are not checked (an Authorization
 * header must be present). Buckets exist on first use.
 */
export interface S3Request {
  readonly method: string
  readonly bucket: string
  readonly key: string
  readonly query: URLSearchParams
  /** `PutObject`, `GetObject`, `HeadObject`, `DeleteObject`, `ListObjectsV2`, `CreateMultipartUpload`, `UploadPart`, `CompleteMultipartUpload`, `AbortMultipartUpload`, `ListMultipartUploads`. */
  readonly op: string
}

export interface S3TestServer {
  readonly endpoint: string
  readonly objects: Map<string, Buffer>
  /**
   * Multipart uploads not yet completed or aborted, by upload id. `initiated` (wall-clock time
   * of the create) is what ListMultipartUploads reports: set it to age an upload.
   */
  readonly uploads: Map<string, { bucket: string; key: string; parts: Map<number, Buffer>; initiated: Date }>
  readonly requests: Array<S3Request>
  /** Return an HTTP status to make the request fail with a 500-class error; undefined to serve it. */
  fault: ((req: S3Request) => number | undefined) | undefined
  readonly close: () => Promise<void>
}

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
const etagOf = (b: Buffer) => `"${createHash("md5").update(b).digest("hex")}"`

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const opOf = (method: string, key: string, q: URLSearchParams): string => {
  if (key === "") {
    if (method === "GET" && q.get("list-type") === "2") return "ListObjectsV2"
    if (method === "GET" && q.has("uploads")) return "ListMultipartUploads"
    return `Bucket${method}`
  }
  if (method === "POST" && q.has("uploads")) return "CreateMultipartUpload"
  if (method === "PUT" && q.has("uploadId") && q.has("partNumber")) return "UploadPart"
  if (method === "POST" && q.has("uploadId")) return "CompleteMultipartUpload"
  if (method === "DELETE" && q.has("uploadId")) return "AbortMultipartUpload"
  return ({ PUT: "PutObject", GET: "GetObject", HEAD: "HeadObject", DELETE: "DeleteObject" } as Record<string, string>)[method] ?? method
}

export const startS3Server = async (options: { readonly pageSize?: number } = {}): Promise<S3TestServer> => {
  const objects = new Map<string, Buffer>()
  const modified = new Map<string, Date>()
  const uploads: S3TestServer["uploads"] = new Map()
  const requests: Array<S3Request> = []
  const pageSize = options.pageSize ?? 1000

  const error = (res: ServerResponse, status: number, code: string, message: string, head = false) => {
    res.writeHead(status, { "content-type": "application/xml" })
    res.end(head ? undefined : xml(`<Error><Code>${code}</Code><Message>${esc(message)}</Message></Error>`))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, state: S3TestServer) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    const [, bucketRaw = "", ...rest] = url.pathname.split("/")
    const bucket = decodeURIComponent(bucketRaw)
    const key = rest.map(decodeURIComponent).join("/")
    const method = req.method ?? "GET"
    const op = opOf(method, key, url.searchParams)
    const r: S3Request = { method, bucket, key, query: url.searchParams, op }
    requests.push(r)
    const body = await readBody(req)
    if (!req.headers["authorization"]) return error(res, 403, "AccessDenied", "no Authorization header", method === "HEAD")
    const status = state.fault?.(r)
    if (status !== undefined) return error(res, status, "InternalError", "injected fault", method === "HEAD")
    const id = `${bucket}/${key}`
    switch (op) {
      case "PutObject": {
        objects.set(id, body)
        modified.set(id, new Date())
        res.writeHead(200, { etag: etagOf(body) })
        return res.end()
      }
      case "GetObject":
      case "HeadObject": {
        const b = objects.get(id)
        if (!b) return error(res, 404, "NoSuchKey", `no key ${key}`, op === "HeadObject")
        res.writeHead(200, {
          "content-length": String(b.length),
          "content-type": "application/octet-stream",
          etag: etagOf(b),
          "last-modified": (modified.get(id) ?? new Date()).toUTCString(),
        })
        return res.end(op === "GetObject" ? b : undefined)
      }
      case "DeleteObject": {
        objects.delete(id)
        res.writeHead(204)
        return res.end()
      }
      case "ListObjectsV2": {
        const prefix = url.searchParams.get("prefix") ?? ""
        const after = url.searchParams.get("continuation-token") ?? url.searchParams.get("start-after") ?? ""
        const max = Math.min(pageSize, Number(url.searchParams.get("max-keys") ?? 1000))
        const all = [...objects.keys()]
          .filter((k) => k.startsWith(`${bucket}/`))
          .map((k) => k.slice(bucket.length + 1))
          .filter((k) => k.startsWith(prefix) && k > after)
          .sort()
        const page = all.slice(0, max)
        const truncated = all.length > page.length
        const contents = page
          .map((k) => {
            const b = objects.get(`${bucket}/${k}`)!
            return `<Contents><Key>${esc(k)}</Key><LastModified>${(modified.get(`${bucket}/${k}`) ?? new Date()).toISOString()}</LastModified><ETag>${esc(etagOf(b))}</ETag><Size>${b.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`
          })
          .join("")
        res.writeHead(200, { "content-type": "application/xml" })
        return res.end(
          xml(
            `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${esc(bucket)}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${truncated ? `<NextContinuationToken>${esc(page[page.length - 1]!)}</NextContinuationToken>` : ""}</ListBucketResult>`,
          ),
        )
      }
      case "CreateMultipartUpload": {
        const uploadId = randomUUID()
        uploads.set(uploadId, { bucket, key, parts: new Map(), initiated: new Date() })
        res.writeHead(200, { "content-type": "application/xml" })
        return res.end(
          xml(`<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`),
        )
      }
      case "UploadPart": {
        const upload = uploads.get(url.searchParams.get("uploadId") ?? "")
        if (!upload) return error(res, 404, "NoSuchUpload", "no such upload")
        upload.parts.set(Number(url.searchParams.get("partNumber")), body)
        res.writeHead(200, { etag: etagOf(body) })
        return res.end()
      }
      case "CompleteMultipartUpload": {
        const uploadId = url.searchParams.get("uploadId") ?? ""
        const upload = uploads.get(uploadId)
        if (!upload) return error(res, 404, "NoSuchUpload", "no such upload")
        const numbers = [...body.toString("utf8").matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]))
        const parts = numbers.map((n) => upload.parts.get(n))
        if (numbers.length === 0 || parts.some((p) => p === undefined)) return error(res, 400, "InvalidPart", "missing part")
        const whole = Buffer.concat(parts as Array<Buffer>)
        objects.set(id, whole)
        modified.set(id, new Date())
        uploads.delete(uploadId)
        res.writeHead(200, { "content-type": "application/xml" })
        return res.end(
          xml(`<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><ETag>${esc(etagOf(whole))}</ETag></CompleteMultipartUploadResult>`),
        )
      }
      case "AbortMultipartUpload": {
        if (!uploads.delete(url.searchParams.get("uploadId") ?? "")) return error(res, 404, "NoSuchUpload", "no such upload")
        res.writeHead(204)
        return res.end()
      }
      case "ListMultipartUploads": {
        // S3's order: by key, then by initiation time; a page resumes after (key-marker,
        // upload-id-marker), or after every upload of key-marker when no upload id is given.
        const q = url.searchParams
        const prefix = q.get("prefix") ?? ""
        const keyMarker = q.get("key-marker") ?? ""
        const uploadIdMarker = q.get("upload-id-marker") ?? ""
        const max = Math.min(pageSize, Number(q.get("max-uploads") ?? 1000))
        const all = [...uploads.entries()]
          .filter(([, u]) => u.bucket === bucket && u.key.startsWith(prefix))
          .sort(([ia, a], [ib, b]) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated.getTime() - b.initiated.getTime() || (ia < ib ? -1 : ia > ib ? 1 : 0)))
        const markerAt = uploadIdMarker === "" ? -1 : all.findIndex(([id, u]) => u.key === keyMarker && id === uploadIdMarker)
        const rest = markerAt >= 0 ? all.slice(markerAt + 1) : all.filter(([, u]) => keyMarker === "" || u.key > keyMarker)
        const page = rest.slice(0, max)
        const truncated = rest.length > page.length
        const last = page[page.length - 1]
        const items = page
          .map(([id, u]) =>
            `<Upload><Key>${esc(u.key)}</Key><UploadId>${esc(id)}</UploadId><StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`
          )
          .join("")
        res.writeHead(200, { "content-type": "application/xml" })
        return res.end(
          xml(
            `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${esc(bucket)}</Bucket><KeyMarker>${esc(keyMarker)}</KeyMarker><UploadIdMarker>${esc(uploadIdMarker)}</UploadIdMarker>${truncated && last ? `<NextKeyMarker>${esc(last[1].key)}</NextKeyMarker><NextUploadIdMarker>${esc(last[0])}</NextUploadIdMarker>` : ""}<Prefix>${esc(prefix)}</Prefix><MaxUploads>${max}</MaxUploads><IsTruncated>${truncated}</IsTruncated>${items}</ListMultipartUploadsResult>`,
          ),
        )
      }
      default:
        return error(res, 501, "NotImplemented", `${op} is not implemented by the test server`)
    }
  }

  const server = createServer()
  const state: S3TestServer = {
    endpoint: "",
    objects,
    uploads,
    requests,
    fault: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  server.on("request", (req, res) => {
    handle(req, res, state).catch((e) => {
      if (!res.headersSent) error(res, 500, "InternalError", String(e))
      else res.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  ;(state as { endpoint: string }).endpoint = `http://127.0.0.1:${port}`
  return state
}
