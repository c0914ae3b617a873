import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { parseJsonAnswer } from "../../src/llm/JsonAnswer.ts"

const ok = (text: string) => {
  const r = parseJsonAnswer(text)
  if (Result.isFailure(r)) throw new Error(`expected JSON in ${JSON.stringify(text)}: ${r.failure}`)
  return r.success
}
const failure = (text: string) => {
  const r = parseJsonAnswer(text)
  if (Result.isSuccess(r)) throw new Error(`expected no JSON in ${JSON.stringify(text)}`)
  return r.failure
}

describe("parseJsonAnswer", () => {
  it("reads bare JSON, fenced JSON, and JSON with prose around it", () => {
    expect(ok(`{"a":1}`)).toEqual({ a: 1 })
    expect(ok("```json\n{\"a\": {\"b\": [1, 2]}}\n```")).toEqual({ a: { b: [1, 2] } })
    expect(ok("```\n{\"a\": 2}\n```")).toEqual({ a: 2 })
    expect(ok("Here is the analysis:\n{\"a\": \"}{ braces in a string \\\" quote\"}\nHope it helps.")).toEqual({ a: "}{ braces in a string \" quote" })
    // A brace in the prose before the object does not hide it.
    expect(ok("Note {this} first: {\"a\": 3}")).toEqual({ a: 3 })
  })

  it("says why when there is nothing usable", () => {
    expect(failure("   \n ")).toBe("the answer is blank")
    expect(failure("그는 조용히 문을 열었다.")).toBe("the answer holds no JSON object")
    expect(failure("[1, 2]")).toBe("the JSON is an array, not an object")
    expect(failure("Sure: {\"a\": 1,}")).toMatch(/^the JSON does not parse: /)
    // Cut off mid-object (a `length` finish): never closes.
    expect(failure("{\"a\": [1, 2")).toMatch(/^the JSON does not parse: /)
  })

  it("finds any JSON object wrapped in any prose without braces", () => {
    const prose = fc.string({ maxLength: 20 }).filter((s) => !/[{}`]/.test(s))
    const value = fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }))
    fc.assert(
      fc.property(prose, value, prose, fc.boolean(), (before, object, after, fenced) => {
        const json = JSON.stringify(object)
        const text = fenced ? `${before}\n\`\`\`json\n${json}\n\`\`\`\n${after}` : `${before}${json}${after}`
        expect(ok(text)).toEqual(JSON.parse(json))
      }),
      { numRuns: 300 },
    )
  })
})
