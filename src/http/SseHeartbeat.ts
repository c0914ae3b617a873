import { Stream } from "effect"
import { HttpServerResponse } from "effect/http"

/** A comment line on an idle event stream, so proxies and clients see the connection alive. */
const SSE_KEEP_ALIVE = "15 seconds"

/**
 * An event stream's head is sent at once (a client waits for it, and there may be no event for a
 * while), and a keep-alive comment every 15 s after; both are SSE comments, outside any event.
 */
export const withSseHeartbeat = (response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse => {
  if (response.body._tag !== "Stream" || !response.body.contentType.startsWith("text/event-stream")) return response
  const encoder = new TextEncoder()
  const opening = Stream.succeed(encoder.encode(": connected\n\n"))
  const keepAlive = Stream.tick(SSE_KEEP_ALIVE).pipe(Stream.drop(1), Stream.map(() => encoder.encode(": keep-alive\n\n")))
  const body = Stream.concat(opening, Stream.merge(response.body.stream, keepAlive, { haltStrategy: "left" }))
  return HttpServerResponse.stream(body, { status: response.status, headers: response.headers, contentType: response.body.contentType })
}
