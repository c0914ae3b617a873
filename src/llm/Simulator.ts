import { mulberry32 } from "../util/Prng.ts"
import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { Effect, type Scope } from "effect"
import { sampleJson } from "./JsonSchemaSample.ts"
import { makeBatchEndpoints } from "./SimulatorBatches.ts"
import { makeBucket, refill, type TokenBucket, waitFor } from "./RateLimiter.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

/**
 * A loopback OpenAI-compatible server for tests, benches and the chaos runner:
 * `POST /v1/chat/completions` (whole answers, or streamed as SSE `chat.completion.chunk`s when asked
 * with `stream: true`, the usage in a last chunk when asked with `stream_options.include_usage`)
 * and `GET /v1/models`.
 *
 * - deterministic Korean answers composed from the last user message and the seed, or whatever a
 *   `respond` hook computes from the conversation; a request with `response_format: json_schema`
 *   gets, without a hook, a JSON object of that schema (strings woven from the prompt's words);
 *   a continuation request (assistant partial + "continue…") gets the rest of the same answer;
 * - usage figures: prompt, completion and cached tokens (the longest prompt prefix seen before
 *   is "cached", from 1,024 tokens on in blocks of 128, as OpenAI does; `cacheMode: "messages"`
 *   caches whole leading messages only);
 * - RPM / TPM limits as token buckets answered with 429 + `Retry-After` (+ `retry-after-ms`);
 * - faults: latency, random 500s, hung requests, connection resets, truncated answers
 *   (`finish_reason: "length"`), either random (seeded) or scripted in order; for a streamed
 *   answer also a stall (half the chunks, then silence with the connection open) and a cut (half
 *   the chunks, then the connection closed) — on a whole answer they are a hang and a reset.
 *
 * Time here is the real clock (it is a real server on a real socket); all random choices come
 * from one seeded generator.
 */

export type FaultKind = "ok" | "500" | "429" | "hang" | "truncate" | "reset" | "stall" | "cut" | "400" | "401" | "404"

export type Fault =
  | FaultKind
  | { readonly kind: "429"; readonly retryAfterMs?: number; readonly format?: RetryAfterFormat }

export type RetryAfterFormat = "seconds" | "ms" | "date" | "both" | "none"

export interface SimulatorOptions {
  readonly seed?: number
  readonly host?: string
  readonly port?: number
  /** Required bearer key; undefined accepts any (or none). */
  readonly apiKey?: string | undefined
  /** Known models; others get 404 `model_not_found`. Default `["sim-korean"]`. */
  readonly models?: ReadonlyArray<string>
  /** Latency before answering, uniform in [min, max] ms. Default 0. */
  readonly latencyMs?: { readonly min: number; readonly max: number }
  /** Extra latency per completion token (ms); a streamed answer spreads it over its chunks. Default 0. */
  readonly perTokenLatencyMs?: number
  /** A streamed answer's chunk size in tokens. Default 8. */
  readonly streamChunkTokens?: number
  /** Extra delay before each streamed chunk (ms), on top of its tokens' `perTokenLatencyMs`. Default 0. */
  readonly streamChunkDelayMs?: number
  readonly requestsPerMinute?: number | undefined
  readonly tokensPerMinute?: number | undefined
  /** The window the limits are expressed in (60 000; benches scale it down). */
  readonly windowMs?: number
  /** Bucket capacity as a share of one window's limit. Default 1. */
  readonly burst?: number
  /** How 429s state their delay. Default "both" (`retry-after` in whole seconds + `retry-after-ms`). */
  readonly retryAfterFormat?: RetryAfterFormat
  readonly failureRate?: number
  readonly hangRate?: number
  readonly resetRate?: number
  readonly truncateRate?: number
  /** Share of streamed answers that stall mid-way (the connection kept open, nothing more sent). */
  readonly stallRate?: number
  /** Length of a complete answer in tokens, uniform in [min, max] per prompt. Default 200–600. */
  readonly answerTokens?: { readonly min: number; readonly max: number }
  /** Cached tokens are reported only from this many prompt tokens on, in blocks of `cacheBlock`. Defaults 1024 / 128 (OpenAI's). */
  readonly cacheMin?: number
  readonly cacheBlock?: number
  /** How prompts share the cache. Default "prefix" (OpenAI's: any shared token prefix, message boundaries aside). */
  readonly cacheMode?: CacheMode
  /** Faults served in order before any random behaviour. */
  readonly script?: ReadonlyArray<Fault>
  /** Batch API: retrievals of a batch answered `in_progress` before it completes. Default 1. */
  readonly batchPollsToComplete?: number
  /**
   * Computes the complete answer text instead of the composed Korean filler (e.g. an episode a
   * guard accepts, for end-to-end runs). Called for every request that passes the key and model
   * checks, before rate limiting (the TPM charge depends on the answer's length); a continuation
   * request sees the conversation it continues (continuation turns stripped) and gets the rest
   * of the text returned, so the hook must answer a conversation the same way every time.
   * `max_tokens`, truncation faults, usage and rate limits apply to its text as to any answer.
   * A throw or a rejection is answered with a 500 naming the error. `responseFormat` tells a
   * structured stage's request (answer it JSON) from the writer's (answer it prose).
   */
  readonly respond?: (request: SimRequest) => string | Promise<string>
}

/** What a `respond` hook sees of a chat-completions request. */
export interface SimRequest {
  readonly model: string
  /** The conversation being answered: the request's messages without continuation turns. */
  readonly messages: ReadonlyArray<{ readonly role: string; readonly content: string }>
  /** The last user message of that conversation. */
  readonly prompt: string
  /** The request's `response_format`, when it had one (structured stages send `json_schema`). */
  readonly responseFormat?: SimResponseFormat
}

export interface SimResponseFormat {
  /** `json_schema`, `json_object` or `text`, as sent. */
  readonly type: string
  /** For `json_schema`: the schema asked for, its name and whether it was sent strict. */
  readonly jsonSchema?: { readonly name: string; readonly schema: Record<string, unknown>; readonly strict: boolean }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

/** The wire `response_format`, read leniently (a malformed one is ignored, as it would not reach a hook on a real server either). */
const readResponseFormat = (raw: unknown): SimResponseFormat | undefined => {
  if (!isRecord(raw) || typeof raw["type"] !== "string") return undefined
  const js = raw["json_schema"]
  if (raw["type"] !== "json_schema" || !isRecord(js) || !isRecord(js["schema"])) return { type: raw["type"] }
  return {
    type: raw["type"],
    jsonSchema: { name: typeof js["name"] === "string" ? js["name"] : "", schema: js["schema"], strict: js["strict"] === true },
  }
}

export interface SimEvent {
  /** Epoch ms when the request arrived. */
  readonly at: number
  readonly status: number | "hang" | "reset" | "stall" | "cut"
  /** Tokens charged against the TPM limit (prompt + completion of a served answer). */
  readonly tokens: number
}

export interface SimulatorStats {
  readonly requests: number
  readonly ok: number
  readonly rateLimited: number
  readonly serverErrors: number
  readonly clientErrors: number
  readonly hung: number
  readonly resets: number
  /** Streamed answers that stalled or were cut mid-way (not in the token totals: see `streamedBeforeFault`). */
  readonly stalled: number
  readonly cut: number
  /** Completion tokens sent in streams that then stalled or were cut (what the provider would bill of them). */
  readonly streamedBeforeFault: number
  /** Answers sent as a stream. */
  readonly streamed: number
  readonly truncated: number
  readonly promptTokens: number
  readonly cachedTokens: number
  readonly completionTokens: number
  /** Batches created through the Batch API (their requests' tokens are in the totals above). */
  readonly batches: number
}

export interface Simulator {
  /** Base URL for the OpenAI SDK, e.g. `http://127.0.0.1:53211/v1`. */
  readonly url: string
  readonly port: number
  readonly stats: () => SimulatorStats
  readonly events: () => ReadonlyArray<SimEvent>
  /** Changes options on the fly (limits, fault rates, latency …); buckets are rebuilt when limits change. */
  readonly configure: (patch: Partial<SimulatorOptions>) => void
  /** Appends faults to the script. */
  readonly script: (faults: ReadonlyArray<Fault>) => void
  /** Clears stats, events, buckets and the prompt cache. */
  readonly reset: () => void
  readonly close: () => Promise<void>
}

// ---------------------------------------------------------------------------------------------
// Tokens and text

/** The simulator's tokenizer: 4 ASCII characters per token, one token per other character. */
export const countTokens = (text: string): number => {
  let ascii = 0
  let other = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 128) ascii++
    else if (code < 0xdc00 || code > 0xdfff) other++
  }
  return Math.ceil(ascii / 4) + other
}

interface Msg {
  readonly role: string
  readonly content: string
}

const messageTokens = (m: Msg): number => 4 + countTokens(m.content)
export const countPromptTokens = (messages: ReadonlyArray<Msg>): number => 3 + messages.reduce((n, m) => n + messageTokens(m), 0)

/** The longest prefix of `text` of at most `budget` tokens. */
export const takeTokens = (text: string, budget: number): string => {
  let ascii = 0
  let other = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    const isAscii = code < 128
    const tokens = Math.ceil((ascii + (isAscii ? 1 : 0)) / 4) + other + (isAscii ? 0 : 1)
    if (tokens > budget) return text.slice(0, i)
    if (isAscii) ascii++
    else other++
  }
  return text
}

/** Cache model: the longest shared token prefix of the serialized prompt (OpenAI's), or only whole leading messages. */
export type CacheMode = "prefix" | "messages"

interface CacheLookup {
  /** Leading prompt tokens seen in an earlier request (before the minimum and the block rounding). */
  readonly cachedRaw: number
  /** The keys this request adds to the cache. */
  readonly prefixes: ReadonlyArray<string>
}

/** The longest run of leading whole messages seen in an earlier request. */
const cachedByMessages = (messages: ReadonlyArray<Msg>, seen: ReadonlySet<string>): CacheLookup => {
  let cachedRaw = 0
  let prefix = ""
  let running = 3
  const prefixes: Array<string> = []
  for (const m of messages) {
    prefix = createHash("sha256").update(`${prefix}\u0000${m.role}\u0000${m.content}`).digest("hex").slice(0, 24)
    prefixes.push(prefix)
    running += messageTokens(m)
    if (seen.has(prefix)) cachedRaw = running
  }
  return { cachedRaw, prefixes }
}

/**
 * The longest prefix of the serialized prompt, in whole blocks of `block` tokens, seen in an
 * earlier request — wherever it ends, even inside a message. Each block boundary's key is the
 * hash of everything before it, so a prompt shares its cache with another up to their first
 * difference, rounded down to a block.
 */
const cachedByPrefix = (messages: ReadonlyArray<Msg>, block: number, seen: ReadonlySet<string>): CacheLookup => {
  const hash = createHash("sha256")
  const prefixes: Array<string> = []
  let next = block
  let tokens = 3
  const boundary = () => {
    prefixes.push(`p:${hash.copy().digest("hex").slice(0, 24)}`)
    next += block
  }
  for (const m of messages) {
    hash.update(`\u0000${m.role}\u0000`)
    tokens += 4
    while (tokens >= next) boundary()
    const base = tokens
    let ascii = 0
    let other = 0
    let from = 0
    for (let i = 0; i < m.content.length; i++) {
      const code = m.content.charCodeAt(i)
      if (code < 128) ascii++
      else if (code < 0xdc00 || code > 0xdfff) other++
      tokens = base + Math.ceil(ascii / 4) + other
      if (tokens >= next) {
        hash.update(m.content.slice(from, i + 1))
        from = i + 1
        while (tokens >= next) boundary()
      }
    }
    hash.update(m.content.slice(from))
  }
  let shared = 0
  while (shared < prefixes.length && seen.has(prefixes[shared]!)) shared++
  return { cachedRaw: shared * block, prefixes }
}

const hash32 = (text: string): number => createHash("sha256").update(text).digest().readUInt32LE(0)

const SUBJECTS = ["그는", "그녀는", "소년은", "기사는", "마법사는", "노인은", "검은 그림자가", "바람이", "하늘이", "성문 앞의 병사가"]
const ADVERBS = ["조용히", "천천히", "갑자기", "망설임 없이", "다시 한 번", "숨을 죽인 채", "떨리는 손으로", "아무 말 없이"]
const PREDICATES = [
  "문을 열었다.",
  "검을 뽑아 들었다.",
  "먼 곳을 바라보았다.",
  "숨을 고르며 걸음을 옮겼다.",
  "낮은 목소리로 속삭였다.",
  "오래된 약속을 떠올렸다.",
  "차가운 공기를 들이마셨다.",
  "피식 웃었다.",
  "고개를 끄덕였다.",
  "발밑의 돌을 걷어찼다.",
]

/** Hangul words of the message, to weave into the answer. */
const keywords = (text: string): Array<string> => {
  const words = text.match(/[가-힣]{2,6}/g) ?? []
  return [...new Set(words)].slice(0, 40)
}

/** A deterministic Korean answer of about `tokens` tokens, composed from the prompt. */
export const composeAnswer = (prompt: string, seed: number, tokens: number): string => {
  const rnd = mulberry32(seed ^ hash32(prompt))
  const words = keywords(prompt)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(rnd() * xs.length)]!
  const paragraphs: Array<string> = []
  let sentences: Array<string> = []
  let total = 0
  while (total < tokens) {
    const sentence = words.length > 0 && rnd() < 0.35
      ? `${pick(SUBJECTS)} '${pick(words)}'${rnd() < 0.5 ? "을" : "를"} ${pick(ADVERBS)} 떠올렸다.`
      : `${pick(SUBJECTS)} ${pick(ADVERBS)} ${pick(PREDICATES)}`
    sentences.push(sentence)
    total += countTokens(sentence) + 1
    if (sentences.length >= 4 + Math.floor(rnd() * 3)) {
      paragraphs.push(sentences.join(" "))
      sentences = []
    }
  }
  if (sentences.length > 0) paragraphs.push(sentences.join(" "))
  return takeTokens(paragraphs.join("\n\n"), tokens)
}

/** `text` in pieces of about `tokens` tokens each: a streamed answer's chunks. */
const streamPieces = (text: string, tokens: number): Array<string> => {
  const pieces: Array<string> = []
  for (let rest = text; rest.length > 0;) {
    const piece = takeTokens(rest, tokens) || rest.slice(0, 1)
    pieces.push(piece)
    rest = rest.slice(piece.length)
  }
  return pieces
}

const isContinuation = (m: Msg | undefined): boolean => m !== undefined && m.role === "user" && /^\s*continue\b/i.test(m.content)

/** The prompt an answer is composed from, the conversation without continuation turns, and what of the answer it already holds. */
const conversation = (messages: ReadonlyArray<Msg>): { prompt: string; original: ReadonlyArray<Msg>; already: string } => {
  let i = messages.length - 1
  const parts: Array<string> = []
  while (i >= 1 && isContinuation(messages[i]) && messages[i - 1]!.role === "assistant") {
    parts.unshift(messages[i - 1]!.content)
    i -= 2
  }
  let j = i
  while (j >= 0 && messages[j]!.role !== "user") j--
  return { prompt: j >= 0 ? messages[j]!.content : "", original: messages.slice(0, i + 1), already: parts.join("") }
}

// ---------------------------------------------------------------------------------------------
// Server

/** A request past its key, model and fault checks, waiting for its answer text. */
interface ServeContext {
  readonly record: (status: SimEvent["status"], tokens?: number) => void
  readonly model: string
  readonly messages: ReadonlyArray<Msg>
  readonly maxTokens: number
  readonly fault: Fault
  readonly kind: FaultKind
  /** What of the answer the conversation already holds (continuations). */
  readonly already: string
  /** `stream: true`: the answer goes out as SSE chunks; `usage`: a last chunk carries the usage. */
  readonly stream?: { readonly usage: boolean }
}

const httpDate = (ms: number): string => new Date(ms).toUTCString()

export const startSimulator = (initial: SimulatorOptions = {}): Promise<Simulator> => {
  let options: SimulatorOptions = { ...initial }
  const script: Array<Fault> = [...(initial.script ?? [])]
  let rnd = mulberry32(options.seed ?? 1)
  let requestBucket: TokenBucket | null = null
  let tokenBucket: TokenBucket | null = null
  const buildBuckets = () => {
    const now = Date.now()
    const windowMs = options.windowMs ?? 60_000
    const burst = options.burst ?? 1
    requestBucket = options.requestsPerMinute ? makeBucket(options.requestsPerMinute, windowMs, burst, now) : null
    tokenBucket = options.tokensPerMinute ? makeBucket(options.tokensPerMinute, windowMs, burst, now) : null
  }
  buildBuckets()
  const seen = new Set<string>()
  let events: Array<SimEvent> = []
  const zero = (): { -readonly [K in keyof SimulatorStats]: number } => ({
    requests: 0, ok: 0, rateLimited: 0, serverErrors: 0, clientErrors: 0, hung: 0, resets: 0, stalled: 0, cut: 0,
    streamedBeforeFault: 0, streamed: 0, truncated: 0,
    promptTokens: 0, cachedTokens: 0, completionTokens: 0, batches: 0,
  })
  let stats = zero()
  let counter = 0
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body)
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers })
    res.end(text)
  }
  const apiError = (res: ServerResponse, status: number, message: string, type: string, code: string | null, headers?: Record<string, string>) =>
    json(res, status, { error: { message, type, param: null, code } }, headers)

  const retryHeaders = (ms: number, format: RetryAfterFormat): Record<string, string> => {
    const seconds = String(Math.max(0, Math.ceil(ms / 1000)))
    switch (format) {
      case "seconds": return { "retry-after": seconds }
      case "ms": return { "retry-after-ms": String(Math.ceil(ms)) }
      case "date": return { "retry-after": httpDate(Date.now() + ms) }
      case "none": return {}
      case "both": return { "retry-after": seconds, "retry-after-ms": String(Math.ceil(ms)) }
    }
  }

  const later = (ms: number, f: () => void) => {
    if (ms <= 0) return f()
    const t = setTimeout(() => {
      timers.delete(t)
      f()
    }, ms)
    timers.add(t)
  }

  const nextFault = (): Fault => {
    const scripted = script.shift()
    if (scripted !== undefined) return scripted
    const r = rnd()
    let edge = options.hangRate ?? 0
    if (r < edge) return "hang"
    edge += options.resetRate ?? 0
    if (r < edge) return "reset"
    edge += options.failureRate ?? 0
    if (r < edge) return "500"
    edge += options.stallRate ?? 0
    if (r < edge) return "stall"
    return rnd() < (options.truncateRate ?? 0) ? "truncate" : "ok"
  }

  const handleCompletion = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const at = Date.now()
    stats.requests++
    const record = (status: SimEvent["status"], tokens = 0) => events.push({ at, status, tokens })
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      stats.clientErrors++
      record(401)
      return apiError(res, 401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
    }
    let parsed: {
      model?: unknown
      messages?: unknown
      max_tokens?: unknown
      max_completion_tokens?: unknown
      response_format?: unknown
      stream?: unknown
      stream_options?: unknown
    }
    try {
      parsed = JSON.parse(body)
    } catch {
      stats.clientErrors++
      record(400)
      return apiError(res, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null)
    }
    const model = typeof parsed.model === "string" ? parsed.model : ""
    const models = options.models ?? ["sim-korean"]
    if (!models.includes(model)) {
      stats.clientErrors++
      record(404)
      return apiError(res, 404, `The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found")
    }
    const messages = Array.isArray(parsed.messages)
      ? (parsed.messages as Array<{ role?: unknown; content?: unknown }>).map((m) => ({
        role: String(m.role ?? "user"),
        content: typeof m.content === "string" ? m.content : "",
      }))
      : []
    if (messages.length === 0) {
      stats.clientErrors++
      record(400)
      return apiError(res, 400, "'messages' must be a non-empty array.", "invalid_request_error", null)
    }
    const maxRaw = parsed.max_completion_tokens ?? parsed.max_tokens
    const maxTokens = typeof maxRaw === "number" && maxRaw > 0 ? Math.floor(maxRaw) : Number.POSITIVE_INFINITY
    const stream = parsed.stream === true
      ? { usage: isRecord(parsed.stream_options) && parsed.stream_options["include_usage"] === true }
      : undefined

    const fault = nextFault()
    const kind = typeof fault === "string" ? fault : fault.kind
    if (kind === "400" || kind === "401" || kind === "404") {
      stats.clientErrors++
      record(Number(kind))
      return apiError(res, Number(kind), `scripted ${kind}`, "invalid_request_error", null)
    }

    const { prompt, original, already } = conversation(messages)
    const responseFormat = readResponseFormat(parsed.response_format)
    const respond = options.respond
    if (respond === undefined) {
      const seed = options.seed ?? 1
      if (responseFormat?.jsonSchema !== undefined) {
        const random = mulberry32(seed ^ hash32(prompt))
        const json = JSON.stringify(sampleJson(responseFormat.jsonSchema.schema, random, keywords(prompt)))
        return serve(req, res, { record, model, messages, maxTokens, fault, kind, already, ...(stream ? { stream } : {}) }, json)
      }
      const range = options.answerTokens ?? { min: 200, max: 600 }
      const target = range.min + (hash32(`${seed}:${prompt}`) % (Math.max(0, range.max - range.min) + 1))
      return serve(req, res, { record, model, messages, maxTokens, fault, kind, already, ...(stream ? { stream } : {}) }, composeAnswer(prompt, seed, target))
    }
    const hookFailed = (error: unknown) => {
      if (res.destroyed) return
      stats.serverErrors++
      record(500)
      apiError(res, 500, `the simulator's respond hook failed: ${errorMessage(error)}`, "server_error", null)
    }
    const context: ServeContext = { record, model, messages, maxTokens, fault, kind, already, ...(stream ? { stream } : {}) }
    let answer: string | Promise<string>
    try {
      answer = respond({ model, messages: original, prompt, ...(responseFormat ? { responseFormat } : {}) })
    } catch (error) {
      return hookFailed(error)
    }
    if (typeof answer === "string") return serve(req, res, context, answer)
    answer.then((full) => serve(req, res, context, full), hookFailed)
  }

  /** Serves `full` (the complete answer of the conversation): what is left of it, within max_tokens, faults and limits. */
  const serve = (req: IncomingMessage, res: ServerResponse, context: ServeContext, full: string) => {
    const { record, model, messages, maxTokens, fault, kind, already } = context
    if (res.destroyed) return
    // What this request would cost.
    const remainder = full.startsWith(already) ? full.slice(already.length) : full
    let text = takeTokens(remainder, maxTokens)
    let finish: "stop" | "length" = text.length < remainder.length ? "length" : "stop"
    if (kind === "truncate" && text.length > 1) {
      text = text.slice(0, Math.max(1, Math.floor(text.length * (0.3 + 0.4 * rnd()))))
      finish = "length"
    }
    const promptTokens = countPromptTokens(messages)
    const completionTokens = countTokens(text)
    const charged = promptTokens + completionTokens

    // Rate limits (admission).
    const now = Date.now()
    if (requestBucket) refill(requestBucket, now)
    if (tokenBucket) refill(tokenBucket, now)
    const waitMs = Math.max(requestBucket ? waitFor(requestBucket, 1) : 0, tokenBucket ? waitFor(tokenBucket, charged) : 0)
    if (kind === "429" || waitMs > 0) {
      stats.rateLimited++
      record(429)
      const ms = typeof fault === "object" && fault.retryAfterMs !== undefined ? fault.retryAfterMs : Math.max(1, waitMs)
      const format = (typeof fault === "object" ? fault.format : undefined) ?? options.retryAfterFormat ?? "both"
      const which = kind === "429" ? "requests" : requestBucket && waitFor(requestBucket, 1) > 0 ? "requests" : "tokens"
      return apiError(res, 429, `Rate limit reached for ${model} on ${which}. Please try again in ${Math.ceil(ms)}ms.`, which, "rate_limit_exceeded", retryHeaders(ms, format))
    }
    if (requestBucket) requestBucket.level -= 1
    if (tokenBucket) tokenBucket.level -= Math.min(charged, tokenBucket.capacity)

    const { stream } = context
    if (kind === "hang" || (kind === "stall" && stream === undefined)) {
      stats.hung++
      record("hang", charged)
      return // never answered; the socket is destroyed when the client gives up or the simulator closes
    }
    if (kind === "reset" || (kind === "cut" && stream === undefined)) {
      stats.resets++
      record("reset", charged)
      return req.socket.destroy()
    }

    const cacheMin = options.cacheMin ?? 1024
    const cacheBlock = Math.max(1, options.cacheBlock ?? 128)
    const { cachedRaw, prefixes } = (options.cacheMode ?? "prefix") === "prefix"
      ? cachedByPrefix(messages, cacheBlock, seen)
      : cachedByMessages(messages, seen)
    if (seen.size > 50_000) seen.clear()
    for (const p of prefixes) seen.add(p)
    const cached = cachedRaw >= cacheMin ? Math.min(promptTokens, Math.floor(cachedRaw / cacheBlock) * cacheBlock) : 0
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    }
    const served = () => {
      stats.ok++
      if (finish === "length") stats.truncated++
      stats.promptTokens += promptTokens
      stats.cachedTokens += cached
      stats.completionTokens += completionTokens
      record(200, charged)
    }
    const rateHeaders = () => ({
      ...(requestBucket ? { "x-ratelimit-remaining-requests": String(Math.floor(Math.max(0, (requestBucket as TokenBucket).level))) } : {}),
      ...(tokenBucket ? { "x-ratelimit-remaining-tokens": String(Math.floor(Math.max(0, (tokenBucket as TokenBucket).level))) } : {}),
    })

    const latency = options.latencyMs ?? { min: 0, max: 0 }
    const firstByte = latency.min + rnd() * Math.max(0, latency.max - latency.min)
    // A whole answer arrives once generated; a streamed one starts at once and paces its chunks.
    const delay = firstByte + (stream === undefined ? completionTokens * (options.perTokenLatencyMs ?? 0) : 0)
    later(delay, () => {
      if (res.destroyed) return
      if (kind === "500") {
        stats.serverErrors++
        record(500)
        return apiError(res, 500, "The server had an error while processing your request.", "server_error", null)
      }
      const id = `chatcmpl-sim-${++counter}`
      const created = Math.floor(Date.now() / 1000)
      if (stream === undefined) {
        served()
        return json(res, 200, {
          id,
          object: "chat.completion",
          created,
          model,
          choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, finish_reason: finish, logprobs: null }],
          usage,
        }, rateHeaders())
      }
      stats.streamed++
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...rateHeaders() })
      const send = (choices: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) =>
        res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices, ...extra })}\n\n`)
      const delta = (content: Record<string, unknown>, finishReason: string | null) => [{ index: 0, delta: content, finish_reason: finishReason, logprobs: null }]
      const pieces = streamPieces(text, Math.max(1, options.streamChunkTokens ?? 8))
      const faultAt = kind === "stall" || kind === "cut" ? Math.floor(pieces.length / 2) : -1
      const pace = (piece: string | undefined) =>
        (options.streamChunkDelayMs ?? 0) + (piece === undefined ? 0 : countTokens(piece) * (options.perTokenLatencyMs ?? 0))
      let next = 0
      let sentTokens = 0
      const step = () => {
        // A loop, not recursion, while the chunks are unpaced: a long answer is hundreds of them.
        for (;;) {
          if (res.destroyed) return
          if (next === faultAt) {
            stats.streamedBeforeFault += sentTokens
            if (kind === "stall") {
              stats.stalled++
              return record("stall", charged) // the connection stays open, silent, until the client gives up
            }
            stats.cut++
            record("cut", charged)
            return res.socket?.destroy()
          }
          if (next >= pieces.length) break
          const piece = pieces[next++]!
          send(delta({ content: piece }, null))
          sentTokens += countTokens(piece)
          const wait = pace(pieces[next])
          if (wait > 0) return later(wait, step)
        }
        served()
        send(delta({}, finish))
        if (stream.usage) send([], { usage })
        res.end("data: [DONE]\n\n")
      }
      send(delta({ role: "assistant", content: "" }, null))
      later(pace(pieces[0]), step)
    })
  }

  const batchEndpoints = makeBatchEndpoints({
    answer: (messages, maxTokens) => {
      const { prompt } = conversation(messages)
      const range = options.answerTokens ?? { min: 200, max: 600 }
      const seed = options.seed ?? 1
      const target = range.min + (hash32(`${seed}:${prompt}`) % (Math.max(0, range.max - range.min) + 1))
      const text = takeTokens(composeAnswer(prompt, seed, target), maxTokens)
      return { text, promptTokens: countPromptTokens(messages), completionTokens: countTokens(text) }
    },
    bill: (answer) => {
      stats.promptTokens += answer.promptTokens
      stats.completionTokens += answer.completionTokens
    },
    pollsToComplete: () => options.batchPollsToComplete ?? 1,
    models: () => options.models ?? ["sim-korean"],
  }, (res, status, body) => json(res, status, body))

  const server: Server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const url = (req.url ?? "").split("?")[0] ?? ""
      if (options.apiKey === undefined || req.headers.authorization === `Bearer ${options.apiKey}`) {
        if (batchEndpoints.handle(req, res, Buffer.concat(chunks), url)) {
          stats.batches = batchEndpoints.created()
          return
        }
      }
      if (req.method === "POST" && url === "/v1/chat/completions") {
        return handleCompletion(req, res, Buffer.concat(chunks).toString("utf8"))
      }
      if (req.method === "GET" && url === "/v1/models") {
        return json(res, 200, { object: "list", data: (options.models ?? ["sim-korean"]).map((id) => ({ id, object: "model", created: 0, owned_by: "simulator" })) })
      }
      apiError(res, 404, `Unknown route ${req.method} ${url}`, "invalid_request_error", "unknown_url")
    })
  })
  server.keepAliveTimeout = 5_000
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })

  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(initial.port ?? 0, initial.host ?? "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const host = initial.host ?? "127.0.0.1"
      resolve({
        url: `http://${host}:${port}/v1`,
        port,
        stats: () => ({ ...stats }),
        events: () => events.slice(),
        configure: (patch) => {
          const limitsChanged = ["requestsPerMinute", "tokensPerMinute", "windowMs", "burst"].some((k) => k in patch)
          options = { ...options, ...patch }
          if (patch.seed !== undefined) rnd = mulberry32(patch.seed)
          if (patch.script) script.push(...patch.script)
          if (limitsChanged) buildBuckets()
        },
        script: (faults) => {
          script.push(...faults)
        },
        reset: () => {
          stats = zero()
          events = []
          seen.clear()
          script.length = 0
          rnd = mulberry32(options.seed ?? 1)
          buildBuckets()
        },
        close: () =>
          new Promise<void>((done) => {
            for (const t of timers) clearTimeout(t)
            timers.clear()
            server.close(() => done())
            for (const s of sockets) s.destroy()
          }),
      })
    })
  })
}

/** The simulator as a scoped resource: closed with the scope. */
export const simulatorScoped = (options?: SimulatorOptions): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startSimulator(options)),
    (sim) => Effect.promise(() => sim.close()),
  )
