import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Schema, Stream } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"
import { TestClock } from "effect/testing"
import { schemaProblem } from "../../src/http/RequestGuard.ts"
import { withSseHeartbeat } from "../../src/http/SseHeartbeat.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (chunks: Iterable<Uint8Array>) => [...chunks].map((c) => new TextDecoder().decode(c))

describe("the event stream's heartbeat", () => {
  it.effect("opens with a comment at once, then a keep-alive every 15 s, between the events", () =>
    Effect.gen(function* () {
      const events = Stream.concat(Stream.succeed(bytes("event: A\ndata: 1\n\n")), Stream.never)
      const response = withSseHeartbeat(HttpServerResponse.stream(events, { contentType: "text/event-stream" }))
      if (response.body._tag !== "Stream") throw new Error("not a stream")
      const sent: Array<Uint8Array> = []
      const reading = yield* response.body.stream.pipe(Stream.runForEach((chunk) => Effect.sync(() => sent.push(chunk))), Effect.forkChild)
      yield* TestClock.adjust("14 seconds")
      expect(text(sent)).toEqual([": connected\n\n", "event: A\ndata: 1\n\n"])
      yield* TestClock.adjust("1 second")
      expect(text(sent).slice(2)).toEqual([": keep-alive\n\n"])
      yield* TestClock.adjust("15 seconds")
      expect(text(sent).slice(2)).toEqual([": keep-alive\n\n", ": keep-alive\n\n"])
      yield* Fiber.interrupt(reading)
    }))

  it("leaves every other answer alone", () => {
    const json = HttpServerResponse.text("{}", { contentType: "application/json" })
    expect(withSseHeartbeat(json)).toBe(json)
  })
})

describe("a request field that fails its Schema", () => {
  it.effect("is named by the issue's path, nested and indexed alike", () =>
    Effect.gen(function* () {
      const Body = Schema.Struct({ band: Schema.Struct({ min: Schema.Int }), beats: Schema.Array(Schema.String) })
      const failure = (input: unknown) =>
        Schema.decodeUnknownEffect(Body)(input).pipe(
          Effect.flip,
          Effect.map((cause) => schemaProblem(new HttpApiError.HttpApiSchemaError({ kind: "Payload", cause }))),
        )
      expect(yield* failure({ band: { min: 1.5 }, beats: [] })).toMatchObject({ status: 400, field: "band.min" })
      expect(yield* failure({ band: { min: 1 }, beats: ["a", 2] })).toMatchObject({ field: "beats.1", detail: expect.stringMatching(/^beats\.1: /) })
      const whole = yield* failure("not an object")
      expect(whole.field).toBeUndefined()
      expect(whole.detail).toMatch(/object/i)
    }))
})
