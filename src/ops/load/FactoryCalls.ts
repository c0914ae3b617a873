import { Data, Effect } from "effect"
import { errorMessage } from "../../util/ErrorMessage.ts"

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
 * removing the load-test project): the status and the body, whatever the status.
 */
export const callFactory = (
  options: FactoryCallOptions,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Effect.Effect<{ readonly status: number; readonly body: string }, FactoryUnreachable> =>
  Effect.tryPromise({
    try: async (signal) => {
      const headers: Record<string, string> = {}
      // the API's request policy asks every write (a DELETE too) to say it speaks JSON
      if (method !== "GET") headers["content-type"] = "application/json"
      if (options.token) headers["authorization"] = `Bearer ${options.token}`
      const response = await fetch(`${options.url.replace(/\/+$/, "")}${path}`, {
        method,
        headers,
        signal,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: response.status, body: await response.text() }
    },
    catch: (error) => {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      const message = cause?.code ?? cause?.message ?? errorMessage(error)
      return new FactoryUnreachable({ message: `cannot reach ${options.url}: ${message}` })
    },
  }).pipe(
    Effect.timeoutOrElse({
      duration: options.timeoutMs,
      orElse: () => Effect.fail(new FactoryUnreachable({ message: `cannot reach ${options.url}: no answer within ${options.timeoutMs} ms` })),
    }),
  )

/** The `detail` of a problem answer, else the start of the body. */
export const answerDetail = (body: string): string => {
  try {
    const detail = (JSON.parse(body) as { detail?: unknown }).detail
    if (typeof detail === "string") return detail
  } catch {
    // not JSON: show the text
  }
  return body.slice(0, 300)
}
