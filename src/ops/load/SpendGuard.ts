/**
 * `load` enqueues episodes, and every episode is written by the factory's writer: against a
 * factory whose writer is a paid LLM, a load test spends the operator's money (and a run of 60 s
 * at the default rate enqueues hundreds of episodes). So before any load is sent, the factory is
 * asked what its writer is (`GET /api/v1/status`, field `writer`), and a paid writer — or a
 * factory that does not say — stops the run unless the operator passed `--allow-spend`.
 */
import { Data, Effect, Schema } from "effect"
import { answerDetail, callFactory, type FactoryCallOptions, type FactoryUnreachable } from "./FactoryCalls.ts"

/** `writer` of the status answer (`WriterStatus` in src/factory/FactoryStatus.ts). */
export const WriterStatusAnswer = Schema.Struct({
  route: Schema.Literals(["offline", "openai"]),
  model: Schema.NullOr(Schema.String),
  baseUrl: Schema.NullOr(Schema.String),
  paid: Schema.Boolean,
})
export type WriterStatusAnswer = typeof WriterStatusAnswer.Type

const StatusWithWriter = Schema.Struct({ writer: Schema.optionalKey(Schema.NullOr(WriterStatusAnswer)) })

/** What the factory says of its writer; `unknown` when it does not say (an older factory, a process without config). */
export type ReportedWriter =
  | { readonly _tag: "Reported"; readonly writer: WriterStatusAnswer }
  | { readonly _tag: "Unknown"; readonly why: string }

/** The status answered, but not with 200, or not with a status document. */
export class StatusUnreadable extends Data.TaggedError("StatusUnreadable")<{ readonly message: string }> {}

export const askWriter = (options: FactoryCallOptions): Effect.Effect<ReportedWriter, FactoryUnreachable | StatusUnreadable> =>
  Effect.gen(function* () {
    const answer = yield* callFactory(options, "GET", "/api/v1/status")
    if (answer.status !== 200) {
      return yield* new StatusUnreadable({ message: `GET /api/v1/status answered HTTP ${answer.status}: ${answerDetail(answer.body)}` })
    }
    let json: unknown
    try {
      json = JSON.parse(answer.body)
    } catch {
      return yield* new StatusUnreadable({ message: "GET /api/v1/status did not answer JSON" })
    }
    const decoded = Schema.decodeUnknownOption(StatusWithWriter)(json)
    if (decoded._tag === "None") return { _tag: "Unknown", why: "its status answer has a 'writer' field this client cannot read" } as const
    const writer = decoded.value.writer
    if (writer === undefined) return { _tag: "Unknown", why: "its status answer does not report the writer (an older factory?)" } as const
    if (writer === null) return { _tag: "Unknown", why: "it reports no writer (a process without a factory config)" } as const
    return { _tag: "Reported", writer } as const
  })

export type SpendVerdict =
  | { readonly _tag: "Free"; readonly note: string }
  | { readonly _tag: "Allowed"; readonly note: string }
  | { readonly _tag: "Refused"; readonly message: string }

const describeWriter = (w: WriterStatusAnswer): string =>
  w.route === "offline" ? "the offline writer ($0)" : `a paid LLM (${w.route}${w.model ? ` model ${w.model}` : ""}${w.baseUrl ? ` at ${w.baseUrl}` : ""})`

/**
 * Whether the run may go on. A mix without enqueues writes nothing, so it is free whatever the
 * writer; otherwise only an offline writer is, and anything else needs `--allow-spend`.
 */
export const judgeSpend = (input: { readonly url: string; readonly writer: ReportedWriter; readonly enqueues: boolean; readonly allowSpend: boolean }): SpendVerdict => {
  if (!input.enqueues) return { _tag: "Free", note: "the mix enqueues nothing, so no episode is written" }
  const w = input.writer
  if (w._tag === "Reported" && !w.writer.paid) return { _tag: "Free", note: `the factory writes with ${describeWriter(w.writer)}` }
  const what = w._tag === "Reported" ? `writes with ${describeWriter(w.writer)}` : `cannot be checked for LLM spend: ${w.why}`
  if (input.allowSpend) return { _tag: "Allowed", note: `the factory ${what}; --allow-spend: every enqueued episode is paid for` }
  return {
    _tag: "Refused",
    message: `refusing to load-test ${input.url}: the factory ${what}, and every episode the load enqueues would be written (and paid for). ` +
      "Pass --allow-spend to spend anyway, use --mix without enqueue (e.g. --mix status=1), or test a factory with llm.kind: offline.",
  }
}
