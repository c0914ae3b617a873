import type { IncomingMessage, ServerResponse } from "node:http"

/**
 * The simulator's OpenAI Batch API: `POST /v1/files` (multipart, `purpose: batch`),
 * `POST /v1/batches`, `GET /v1/batches/:id`, `GET /v1/files/:id/content`. A batch is `in_progress`
 * for its first `pollsToComplete` retrievals, then answered whole (every line through `answer`,
 * billed through `bill`) and `completed` with an output file of one result line per request.
 */

export interface BatchAnswer {
  readonly text: string
  readonly promptTokens: number
  readonly completionTokens: number
}

export interface BatchEndpointsOptions {
  readonly answer: (messages: ReadonlyArray<{ readonly role: string; readonly content: string }>, maxTokens: number) => BatchAnswer
  readonly bill: (answer: BatchAnswer) => void
  readonly pollsToComplete: () => number
  readonly models: () => ReadonlyArray<string>
}

interface SimBatch {
  readonly id: string
  readonly inputFileId: string
  readonly createdAt: number
  polls: number
  status: "in_progress" | "completed" | "failed"
  outputFileId: string | null
  total: number
}

type Send = (res: ServerResponse, status: number, body: unknown) => void

/** The content of the multipart part named `file`. */
const filePart = (contentType: string, body: Buffer): string | undefined => {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType)
  const marker = boundary?.[1] ?? boundary?.[2]
  if (marker === undefined) return undefined
  for (const part of body.toString("utf8").split(`--${marker}`)) {
    const split = part.indexOf("\r\n\r\n")
    if (split < 0 || !/name="file"/.test(part.slice(0, split))) continue
    return part.slice(split + 4).replace(/\r\n$/, "")
  }
  return undefined
}

export const makeBatchEndpoints = (options: BatchEndpointsOptions, send: Send) => {
  const files = new Map<string, string>()
  const batches = new Map<string, SimBatch>()
  let counter = 0
  let created = 0

  const view = (b: SimBatch) => ({
    id: b.id,
    object: "batch",
    endpoint: "/v1/chat/completions",
    input_file_id: b.inputFileId,
    completion_window: "24h",
    status: b.status,
    output_file_id: b.outputFileId,
    error_file_id: null,
    created_at: b.createdAt,
    request_counts: { total: b.total, completed: b.status === "completed" ? b.total : 0, failed: 0 },
  })

  const run = (b: SimBatch) => {
    const lines = (files.get(b.inputFileId) ?? "").split("\n").filter((l) => l.trim() !== "")
    const out: Array<string> = []
    for (const line of lines) {
      const item = JSON.parse(line) as { custom_id: string; body: { model?: string; messages?: Array<{ role: string; content: string }>; max_tokens?: number; max_completion_tokens?: number } }
      const model = item.body.model ?? ""
      if (!options.models().includes(model)) {
        out.push(JSON.stringify({ id: `batch_req_${++counter}`, custom_id: item.custom_id, response: { status_code: 404, body: { error: { message: `The model \`${model}\` does not exist` } } }, error: null }))
        continue
      }
      const answer = options.answer(item.body.messages ?? [], item.body.max_completion_tokens ?? item.body.max_tokens ?? Number.POSITIVE_INFINITY)
      options.bill(answer)
      out.push(JSON.stringify({
        id: `batch_req_${++counter}`,
        custom_id: item.custom_id,
        response: {
          status_code: 200,
          body: {
            id: `chatcmpl-batch-${counter}`,
            object: "chat.completion",
            created: 0,
            model,
            choices: [{ index: 0, message: { role: "assistant", content: answer.text }, finish_reason: "stop" }],
            usage: { prompt_tokens: answer.promptTokens, completion_tokens: answer.completionTokens, total_tokens: answer.promptTokens + answer.completionTokens },
          },
        },
        error: null,
      }))
    }
    const outputId = `file-out-${++counter}`
    files.set(outputId, out.join("\n") + "\n")
    b.outputFileId = outputId
    b.status = "completed"
  }

  /** True when the request was a batch route (and has been answered). */
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer, url: string): boolean => {
    if (req.method === "POST" && url === "/v1/files") {
      const content = filePart(String(req.headers["content-type"] ?? ""), body)
      if (content === undefined) {
        send(res, 400, { error: { message: "expected multipart/form-data with a 'file' part", type: "invalid_request_error" } })
        return true
      }
      const id = `file-${++counter}`
      files.set(id, content)
      send(res, 200, { id, object: "file", bytes: Buffer.byteLength(content), created_at: 0, filename: "batch.jsonl", purpose: "batch", status: "processed" })
      return true
    }
    if (req.method === "POST" && url === "/v1/batches") {
      const params = JSON.parse(body.toString("utf8") || "{}") as { input_file_id?: string }
      const input = params.input_file_id === undefined ? undefined : files.get(params.input_file_id)
      if (input === undefined) {
        send(res, 400, { error: { message: `no such file '${params.input_file_id}'`, type: "invalid_request_error" } })
        return true
      }
      created++
      const batch: SimBatch = {
        id: `batch_${++counter}`,
        inputFileId: params.input_file_id!,
        createdAt: Math.floor(Date.now() / 1000),
        polls: 0,
        status: "in_progress",
        outputFileId: null,
        total: input.split("\n").filter((l) => l.trim() !== "").length,
      }
      batches.set(batch.id, batch)
      send(res, 200, view(batch))
      return true
    }
    const batchMatch = /^\/v1\/batches\/([^/]+)$/.exec(url)
    if (req.method === "GET" && batchMatch) {
      const batch = batches.get(batchMatch[1]!)
      if (batch === undefined) {
        send(res, 404, { error: { message: `no such batch '${batchMatch[1]}'`, type: "invalid_request_error" } })
        return true
      }
      batch.polls++
      if (batch.status === "in_progress" && batch.polls > options.pollsToComplete()) run(batch)
      send(res, 200, view(batch))
      return true
    }
    const contentMatch = /^\/v1\/files\/([^/]+)\/content$/.exec(url)
    if (req.method === "GET" && contentMatch) {
      const content = files.get(contentMatch[1]!)
      if (content === undefined) {
        send(res, 404, { error: { message: `no such file '${contentMatch[1]}'`, type: "invalid_request_error" } })
        return true
      }
      res.writeHead(200, { "content-type": "application/jsonl", "content-length": Buffer.byteLength(content) })
      res.end(content)
      return true
    }
    return false
  }

  return { handle, created: () => created }
}
