import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { decodeYaml, formatKey, loadYaml, readYaml, YamlError } from "../../src/yaml/YamlSource.ts"

const Settings = Schema.Struct({
  timeoutMs: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  names: Schema.optional(Schema.Array(Schema.String)),
})

describe("the shared YAML loader", () => {
  it("lets a few aliases through: a config may reuse a block", () => {
    const source = readYaml("/etc/x.yaml", "base: &b { timeoutMs: 10 }\nprojects:\n  p: *b\n  q: *b\n")
    expect(source).not.toBeInstanceOf(YamlError)
    expect((source as { value: unknown }).value).toEqual({ base: { timeoutMs: 10 }, projects: { p: { timeoutMs: 10 }, q: { timeoutMs: 10 } } })
  })

  it("refuses an alias inside its own anchor (it would expand for ever)", () => {
    const error = readYaml("/etc/x.yaml", "ok: 1\na: &a [1, *a]\n")
    expect(error).toMatchObject({ line: 2, message: "/etc/x.yaml:2: YAML alias *a expands the document to infinitely many nodes (an alias bomb?); at most 10000 are allowed" })
  })

  it("names every schema problem by file, line and key, with the value found", () => {
    const error = loadYaml("/etc/x.yaml", "timeoutMs: 0\nnames: [a, 3]\nextra: true\n", Settings)
    expect(error).toBeInstanceOf(YamlError)
    expect((error as YamlError).message.split("\n")).toEqual([
      "/etc/x.yaml:1: timeoutMs: Expected a value greater than or equal to 1, got 0",
      "/etc/x.yaml:2: names[1]: Expected string, got 3",
      "/etc/x.yaml:3: extra: Unknown key",
    ])
  })

  it("locates a key the file does not hold at its nearest parent, and says so", () => {
    const source = readYaml("/etc/x.yaml", "a:\n  b: 1\n")
    if (source instanceof YamlError) throw source
    expect(source.locate(["a", "b"])).toEqual({ line: 2, exact: true })
    expect(source.locate(["a", "c"])).toEqual({ line: 1, exact: false })
    expect(decodeYaml(source, Schema.Struct({ a: Schema.Struct({ b: Schema.Number }) }))).toEqual({ a: { b: 1 } })
  })

  it("reports a syntax error at its line, without throwing", () => {
    const error = readYaml("/etc/x.yaml", "a: 1\nb: [1, 2\n")
    expect(error).toBeInstanceOf(YamlError)
    expect((error as YamlError).message).toMatch(/^\/etc\/x\.yaml:\d: YAML syntax error: /)
  })

  it("formats a path as a key", () => {
    expect(formatKey(["cast", 2, "name"])).toBe("cast[2].name")
    expect(formatKey([])).toBe("")
  })
})
