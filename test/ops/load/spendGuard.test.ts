import { describe, expect, it } from "vitest"
import { judgeSpend, type ReportedWriter } from "../../../src/ops/load/SpendGuard.ts"

const url = "http://factory:8080"
const offline: ReportedWriter = { _tag: "Reported", writer: { route: "offline", model: null, baseUrl: null, paid: false } }
const paid: ReportedWriter = { _tag: "Reported", writer: { route: "openai", model: "gpt-4.1", baseUrl: "https://api.openai.com/v1", paid: true } }
const unknown: ReportedWriter = { _tag: "Unknown", why: "its status answer does not report the writer (an older factory?)" }

describe("judgeSpend", () => {
  it("an offline writer is free; a paid one or one the factory does not report is refused without --allow-spend", () => {
    expect(judgeSpend({ url, writer: offline, enqueues: true, allowSpend: false })).toEqual({ _tag: "Free", note: "the factory writes with the offline writer ($0)" })
    expect(judgeSpend({ url, writer: paid, enqueues: true, allowSpend: false })).toMatchObject({
      _tag: "Refused",
      message: expect.stringContaining("the factory writes with a paid LLM (openai model gpt-4.1 at https://api.openai.com/v1)"),
    })
    expect(judgeSpend({ url, writer: unknown, enqueues: true, allowSpend: false })).toMatchObject({
      _tag: "Refused",
      message: expect.stringContaining("cannot be checked for LLM spend: its status answer does not report the writer"),
    })
  })

  it("--allow-spend lets a paid or unreported writer through, saying so", () => {
    expect(judgeSpend({ url, writer: paid, enqueues: true, allowSpend: true })._tag).toBe("Allowed")
    expect(judgeSpend({ url, writer: unknown, enqueues: true, allowSpend: true })._tag).toBe("Allowed")
  })

  it("a mix without enqueues writes nothing, whatever the writer", () => {
    expect(judgeSpend({ url, writer: paid, enqueues: false, allowSpend: false })._tag).toBe("Free")
    expect(judgeSpend({ url, writer: unknown, enqueues: false, allowSpend: false })._tag).toBe("Free")
  })
})
