/**
 * `load` enqueues episodes, and every episode is written by the factory's writer: against a
 * factory whose writer is a paid LLM, a load test spends the operator's money (and a run of 60 s
 * at the default rate enqueues hundreds of episodes). So before any load is sent, the factory is
 * asked what its writer is (`GET /api/v1/status`, field `writer`), and a paid writer — or a
 * factory that does not say — stops the run unless the operator passed `--allow-spend`.
 */
import { Effect } from "effect"
import type { WriterStatus } from "../../factory/FactoryStatus.ts"
import { describeClientError } from "../../http/FactoryClient.ts"
import { callFactory, type FactoryCallOptions, FactoryUnreachable } from "./FactoryCalls.ts"

/** What the factory says of its writer; `unknown` when it does not say (a factory whose status this client cannot read, a process without config). */
export type ReportedWriter =
  | { readonly _tag: "Reported"; readonly writer: WriterStatus }
  | { readonly _tag: "Unknown"; readonly why: string }

/** `GET /api/v1/status`'s `writer`. Only an unreachable factory fails: any other trouble is an unknown writer, which the spend check refuses. */
export const askWriter = (options: FactoryCallOptions): Effect.Effect<ReportedWriter, FactoryUnreachable> =>
  callFactory(options, (client) => client.factory.status()).pipe(
    Effect.map((status): ReportedWriter =>
      status.writer === null ? { _tag: "Unknown", why: "it reports no writer (a process without a factory config)" } : { _tag: "Reported", writer: status.writer }
    ),
    Effect.catch((error) =>
      error instanceof FactoryUnreachable
        ? Effect.fail(error)
        : Effect.succeed<ReportedWriter>({ _tag: "Unknown", why: `its status cannot be read: ${describeClientError(error)}` })
    ),
  )

export type SpendVerdict =
  | { readonly _tag: "Free"; readonly note: string }
  | { readonly _tag: "Allowed"; readonly note: string }
  | { readonly _tag: "Refused"; readonly message: string }

const describeWriter = (w: WriterStatus): string =>
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
