/**
 * The API's errors as RFC 9457 problem details (`application/problem+json`): one Schema class
 * per status, so a handler fails with a typed value, the server encodes it, and the typed client
 * decodes the same body back into the same class. The body is `{type, title, status, detail,
 * field?}` — `field` names the request field that was wrong, when there is one.
 */
import { Schema } from "effect"
import { HttpApiSchema } from "effect/http-api"
import { problem } from "./Problem.ts"

const PROBLEM_JSON = "application/problem+json"

const fields = <const Status extends number>(status: Status) => ({
  type: Schema.String,
  title: Schema.String,
  status: Schema.Literal(status),
  detail: Schema.String,
  field: Schema.optional(Schema.String),
})

export class BadRequest extends Schema.Error<BadRequest>("BadRequest")(fields(400)) {}
export class Unauthorized extends Schema.Error<Unauthorized>("Unauthorized")(fields(401)) {}
export class Forbidden extends Schema.Error<Forbidden>("Forbidden")(fields(403)) {}
export class NotFound extends Schema.Error<NotFound>("NotFound")(fields(404)) {}
export class Conflict extends Schema.Error<Conflict>("Conflict")(fields(409)) {}
export class ContentTooLarge extends Schema.Error<ContentTooLarge>("ContentTooLarge")(fields(413)) {}
export class UnsupportedMediaType extends Schema.Error<UnsupportedMediaType>("UnsupportedMediaType")(fields(415)) {}
export class MisdirectedRequest extends Schema.Error<MisdirectedRequest>("MisdirectedRequest")(fields(421)) {}
export class InternalServerError extends Schema.Error<InternalServerError>("InternalServerError")(fields(500)) {}
export class ServiceUnavailable extends Schema.Error<ServiceUnavailable>("ServiceUnavailable")(fields(503)) {}

const body = <const Status extends number>(status: Status, detail: string, field?: string) => ({ type: "about:blank", ...problem(status, detail, field), status })

export const badRequest = (detail: string, field?: string) => new BadRequest(body(400, detail, field))
export const notFound = (detail: string) => new NotFound(body(404, detail))
export const conflict = (detail: string, field?: string) => new Conflict(body(409, detail, field))
export const internalError = (detail: string) => new InternalServerError(body(500, detail))
export const serviceUnavailable = (detail: string) => new ServiceUnavailable(body(503, detail))

/** A problem class as an endpoint's error: its status and the problem media type. */
const asProblem = <S extends Schema.Top>(schema: S, status: number) =>
  schema.pipe(HttpApiSchema.status(status), HttpApiSchema.asJson({ contentType: PROBLEM_JSON }))

export const BadRequestProblem = asProblem(BadRequest, 400)
export const NotFoundProblem = asProblem(NotFound, 404)
export const ConflictProblem = asProblem(Conflict, 409)
export const InternalServerErrorProblem = asProblem(InternalServerError, 500)
export const ServiceUnavailableProblem = asProblem(ServiceUnavailable, 503)

/**
 * What the request policy, the body cap and the server itself may answer on any route, before or
 * around a handler: declared on every endpoint so the client decodes them as typed errors too.
 */
export const TransportProblems = [
  asProblem(Unauthorized, 401),
  asProblem(Forbidden, 403),
  asProblem(ContentTooLarge, 413),
  asProblem(UnsupportedMediaType, 415),
  asProblem(MisdirectedRequest, 421),
  InternalServerErrorProblem,
  ServiceUnavailableProblem,
] as const

/** What an endpoint that changes a project may answer besides the transport's: bad input, no such project or episode, a state that refuses the change. */
export const ChangeProblems = [BadRequestProblem, NotFoundProblem, ConflictProblem, ...TransportProblems] as const

export type ApiProblem =
  | BadRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | Conflict
  | ContentTooLarge
  | UnsupportedMediaType
  | MisdirectedRequest
  | InternalServerError
  | ServiceUnavailable
