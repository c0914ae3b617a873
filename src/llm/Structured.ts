import { Data, Effect, Result, Schema } from "effect"
import { parseJsonAnswer } from "./JsonAnswer.ts"
import { type ChatMessage, LanguageModel, LlmFatalError, type LlmStage, type LlmTransientError } from "./LanguageModel.ts"
import { type StrictJsonSchema, StrictSchemaUnsupported, toStrictJsonSchema } from "./StrictJsonSchema.ts"

/** Every attempt answered something that is not a valid instance of the schema. */
export class StructuredOutputInvalid extends Data.TaggedError("StructuredOutputInvalid")<{
  readonly message: string
  readonly attempts: number
  /** The last answer as received, for the journal and the operator. */
  readonly lastAnswer: string
}> {}

export interface StructuredRequest<S extends Schema.Top> {
  readonly stage: LlmStage
  readonly messages: ReadonlyArray<ChatMessage>
  /** What the answer decodes to. Its JSON Schema is derived from it and sent strict. */
  readonly schema: S
  /** The schema's name for the provider: `^[a-zA-Z0-9_-]{1,64}$`. */
  readonly name: string
  /** Requests before giving up; each one is a `LanguageModel.complete` (and booked). Default 3. */
  readonly maxAttempts?: number
  readonly maxTokens?: number
  readonly temperature?: number
}

export interface StructuredResult<A> {
  readonly value: A
  /** Requests it took (1 when the first answer was valid). */
  readonly attempts: number
}

export const DEFAULT_STRUCTURED_ATTEMPTS = 3

const SCHEMA_NAME = /^[a-zA-Z0-9_-]{1,64}$/

// Schemas are module constants: derive each one's JSON Schema once.
const strictCache = new WeakMap<Schema.Top, StrictJsonSchema | StrictSchemaUnsupported>()

const strictOf = (schema: Schema.Top): StrictJsonSchema | StrictSchemaUnsupported => {
  let strict = strictCache.get(schema)
  if (strict === undefined) {
    try {
      strict = toStrictJsonSchema(schema)
    } catch (error) {
      if (!(error instanceof StrictSchemaUnsupported)) throw error
      strict = error
    }
    strictCache.set(schema, strict)
  }
  return strict
}

/** Why an answer is refused, as it is put to the model on the next attempt. */
const retryPrompt = (reason: string): string =>
  `Your previous answer could not be used: ${reason}. Answer again with only one JSON object that matches the given JSON schema — no code fence, no prose.`

/**
 * One value of `schema` from the model: the request carries the schema as strict structured
 * output; the answer is parsed (a code fence or prose around the object is tolerated) and decoded
 * with the schema's JSON codec. A blank, unparsable, cut-off (`finish_reason: length`) or
 * undecodable answer is asked again, with the reason appended as a user message, up to
 * `maxAttempts` requests; then it fails with `StructuredOutputInvalid`. Transport faults are the
 * provider's to retry (`LlmTransientError` only arrives here once its own retries are spent).
 *
 * A schema with no strict form, a bad `name` or `maxAttempts` fail as `LlmFatalError`: they are
 * mistakes in the caller's code, and retrying cannot mend them.
 */
export const completeStructured = <S extends Schema.Top>(
  request: StructuredRequest<S>,
): Effect.Effect<
  StructuredResult<S["Type"]>,
  StructuredOutputInvalid | LlmTransientError | LlmFatalError,
  LanguageModel | S["DecodingServices"]
> =>
  Effect.gen(function* () {
    const { stage, name } = request
    const where = `${stage}: structured output '${name}'`
    const maxAttempts = request.maxAttempts ?? DEFAULT_STRUCTURED_ATTEMPTS
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      return yield* new LlmFatalError({ message: `${where}: maxAttempts must be a whole number ≥ 1, got ${maxAttempts}` })
    }
    if (!SCHEMA_NAME.test(name)) {
      return yield* new LlmFatalError({ message: `${where}: the name must match ${SCHEMA_NAME.source} (the provider's rule)` })
    }
    const strict = strictOf(request.schema)
    if (strict instanceof StrictSchemaUnsupported) {
      return yield* new LlmFatalError({ message: `${where}: the schema has no strict JSON Schema form: ${strict.message}` })
    }
    const decode = Schema.decodeUnknownEffect(Schema.toCodecJson(request.schema))
    const model = yield* LanguageModel

    let messages = request.messages
    let lastAnswer = ""
    let reason = ""
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const completion = yield* model.complete({
        stage,
        messages,
        responseFormat: { name, schema: strict.schema },
        ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      })
      lastAnswer = completion.text
      if (completion.finishReason === "length") {
        reason = "it was cut off at the token limit before the JSON object was complete; keep it shorter"
      } else {
        const parsed = parseJsonAnswer(completion.text)
        if (Result.isFailure(parsed)) {
          reason = parsed.failure
        } else {
          const decoded = yield* decode(strict.fromStrict(parsed.success), { errors: "all" }).pipe(Effect.result)
          if (Result.isSuccess(decoded)) return { value: decoded.success, attempts: attempt }
          reason = `the JSON does not match the schema: ${decoded.failure.message}`
        }
      }
      yield* Effect.logWarning(`${where}: attempt ${attempt} of ${maxAttempts} is invalid: ${reason}`)
      const answered: ReadonlyArray<ChatMessage> = completion.text.trim() === "" ? [] : [{ role: "assistant", content: completion.text }]
      messages = [...request.messages, ...answered, { role: "user", content: retryPrompt(reason) }]
    }
    return yield* new StructuredOutputInvalid({
      message: `${where}: no valid answer in ${maxAttempts} attempt${maxAttempts === 1 ? "" : "s"}; the last one: ${reason}`,
      attempts: maxAttempts,
      lastAnswer,
    })
  })
