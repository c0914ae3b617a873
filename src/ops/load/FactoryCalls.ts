import { Data, Effect } from "effect"
import { describeClientError, type FactoryApiClient, makeFactoryClient, statusOfFailure } from "../../http/FactoryClient.ts"

/** The factory answered nothing (refused, reset, timed out …) to a set-up or clean-up call of `load`. */
export class FactoryUnreachable extends Data.TaggedError("FactoryUnreachable")<{ readonly message: string }> {}

export interface FactoryCallOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string
  readonly token?: string | undefined
  readonly timeoutMs: number
}

/**
 * One call of the factory API outside the measured load (asking what the writer is, creating and
 * removing the load-test project), through the typed client. No answer at all (refused, reset,
 * timed out) is `FactoryUnreachable`; an answer the call did not want is the endpoint's own error.
 */
export const callFactory = <A, E>(
  options: FactoryCallOptions,
  call: (client: FactoryApiClient) => Effect.Effect<A, E>,
): Effect.Effect<A, E | FactoryUnreachable> =>
  Effect.flatMap(makeFactoryClient({ url: options.url, token: options.token }), call).pipe(
    Effect.timeoutOrElse({
      duration: options.timeoutMs,
      orElse: () => Effect.fail(new FactoryUnreachable({ message: `cannot reach ${options.url}: no answer within ${options.timeoutMs} ms` })),
    }),
    Effect.catchIf(
      (error): error is E => !(error instanceof FactoryUnreachable) && statusOfFailure(error) === 0 && (error as { _tag?: unknown })._tag === "HttpClientError",
      (error) => Effect.fail(new FactoryUnreachable({ message: `cannot reach ${options.url}: ${describeClientError(error)}` })),
    ),
  )
