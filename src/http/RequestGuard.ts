/**
 * What stands between the socket and `FactoryApi`'s router, for every request: the request
 * policy (`RequestPolicy.ts`), a malformed percent-escape (400), the 1 MiB body cap (413), a
 * route that does not exist (404) or not for this method (405), a request field that failed its
 * Schema (400 naming the field from the issue's path), a defect (500, logged, the server keeps
 * running), and the security headers on whatever is answered.
 */
import { ByteSize, Cause, Effect, SchemaIssue } from "effect"
import { HttpIncomingMessage, type HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"
import { type ApiResponse, type Problem, problem, problemResponse } from "./Problem.ts"
import { decideRequest, type PolicySettings } from "./RequestPolicy.ts"
import type { RouteTable } from "./RouteTable.ts"
import { SECURITY_HEADERS } from "./SecurityHeaders.ts"
import { withSseHeartbeat } from "./SseHeartbeat.ts"

/** Bodies above this are refused with 413 before they are read into memory. */
export const MAX_BODY_BYTES = 1024 * 1024

const respond = (answer: ApiResponse) =>
  HttpServerResponse.text(answer.body, { status: answer.status, headers: answer.headers, contentType: answer.headers["content-type"] })

const answerProblem = (p: Problem, headers: Record<string, string> = {}) => respond(problemResponse(p, headers))

/** A path whose escapes do not decode is the client's 400, never a router's or handler's crash. */
const decodes = (url: string): boolean => {
  const queryAt = url.indexOf("?")
  try {
    decodeURIComponent(queryAt === -1 ? url : url.slice(0, queryAt))
    return true
  } catch {
    return false
  }
}

const pathOf = (url: string): string => url.split("?", 1)[0]!

const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()

/** The first wrong field of a request, from the Schema issue's path (`from`, `title`, `n`, `count`). */
export const schemaProblem = (error: HttpApiError.HttpApiSchemaError): Problem => {
  const [first] = formatIssue(error.cause.issue).issues
  const field = first?.path?.map((key) => String(typeof key === "object" ? key.key : key)).join(".") || undefined
  const message = first?.message ?? error.cause.message
  return problem(400, field ? `${field}: ${message}` : message, field)
}

type Reported =
  | { readonly _tag: "Schema"; readonly error: HttpApiError.HttpApiSchemaError }
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "Unreadable" }
  | { readonly _tag: "Defect" }

const isServerError = (u: unknown): u is HttpServerError.HttpServerError =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "HttpServerError"

/** What went wrong, from the failures and defects the router and the API builder leave. */
const classify = (cause: Cause.Cause<unknown>): Reported => {
  for (const reason of cause.reasons) {
    const value = Cause.isFailReason(reason) ? reason.error : Cause.isDieReason(reason) ? reason.defect : undefined
    if (HttpApiError.HttpApiSchemaError.is(value) && value.kind !== "Body" && value.kind !== "ResponseHeaders") return { _tag: "Schema", error: value }
    if (isServerError(value)) {
      const inner = value.reason
      if (inner._tag === "RouteNotFound") return { _tag: "NotFound" }
      if (inner._tag === "RequestParseError") return inner.reason === "BodyTooLarge" ? { _tag: "TooLarge" } : { _tag: "Unreadable" }
    }
  }
  return { _tag: "Defect" }
}

const tooLarge = () => answerProblem(problem(413, `the body is larger than ${MAX_BODY_BYTES} bytes`), { connection: "close" })

export const guardRequests = <E, R>(
  settings: (request: HttpServerRequest.HttpServerRequest) => PolicySettings,
  routes: RouteTable,
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const method = request.method
    const verdict = decideRequest({ method, target: request.url, headers: request.headers }, settings(request))
    if (verdict._tag === "Refused") {
      // The body is never read: closing the connection spares draining what a refused client sent.
      return answerProblem(verdict.problem, { ...verdict.headers, connection: "close" })
    }
    if (!decodes(request.url)) return answerProblem(problem(400, "the path has a malformed percent-escape", "path"))
    if (Number(request.headers["content-length"] ?? "0") > MAX_BODY_BYTES) return tooLarge()
    const path = pathOf(request.url)
    return yield* app.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(MAX_BODY_BYTES)),
      Effect.map(withSseHeartbeat),
      Effect.catchCause((cause) => {
        const reported = classify(cause)
        switch (reported._tag) {
          case "Schema":
            return Effect.succeed(answerProblem(schemaProblem(reported.error)))
          case "TooLarge":
            return Effect.succeed(tooLarge())
          case "Unreadable":
            return Effect.succeed(answerProblem(problem(400, "the request body could not be read")))
          case "NotFound": {
            const allowed = routes.methodsOf(path)
            if (allowed.length === 0) return Effect.succeed(answerProblem(problem(404, `no such endpoint: ${path}`)))
            const allow = allowed.join(", ")
            return Effect.succeed(answerProblem(problem(405, `${method} is not allowed on ${path}; use ${allow}`), { allow }))
          }
          case "Defect":
            return Effect.logError("request failed", cause).pipe(
              Effect.as(answerProblem(problem(500, "the server failed to answer this request; it keeps running"))),
            )
        }
      }),
    )
  }).pipe(Effect.map((response) => HttpServerResponse.setHeaders(response, SECURITY_HEADERS)))
