/**
 * A value that satisfies a strict structured-output JSON Schema (see `StrictJsonSchema.ts`),
 * for the loopback simulator's default answer to a `response_format: json_schema` request: a
 * structured stage then gets a decodable answer from the simulator with no hook, as the writer
 * gets prose. Strings are woven from the prompt's words; every choice comes from `random`, so the
 * same prompt and seed give the same answer.
 *
 * Covered: objects, arrays (`minItems`/`maxItems`), `anyOf` (a non-null branch first), `enum`,
 * `const`, strings, numbers and integers within their bounds, booleans, null, `$ref` into `$defs`.
 * A `pattern` or `format` is not generated for: such a string may fail the caller's decoder, which
 * is what a real model's mistake looks like too.
 */

type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value)

/** Recursion bound for self-referencing `$defs` (a tree ends in leaves, empty arrays or nulls). */
const MAX_DEPTH = 6

export const sampleJson = (schema: JsonObject, random: () => number, words: ReadonlyArray<string>): unknown => {
  const defs = isObject(schema["$defs"]) ? schema["$defs"] : {}
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(random() * xs.length)]!
  const word = () => (words.length > 0 ? pick(words) : pick(["이야기", "기억", "약속", "그림자"]))

  const sample = (node: unknown, depth: number): unknown => {
    if (!isObject(node)) return null
    const ref = node["$ref"]
    if (typeof ref === "string") return sample(defs[ref.replace(/^#\/\$defs\//, "")], depth + 1)
    if ("const" in node) return node["const"]
    if (Array.isArray(node["enum"]) && node["enum"].length > 0) return pick(node["enum"])
    const anyOf = node["anyOf"]
    if (Array.isArray(anyOf) && anyOf.length > 0) {
      const nonNull = anyOf.filter((b) => !(isObject(b) && b["type"] === "null"))
      // Deep in a recursive schema, take the null branch when there is one, so the value ends.
      return sample(depth >= MAX_DEPTH || nonNull.length === 0 ? anyOf.find((b) => !nonNull.includes(b)) : pick(nonNull), depth + 1)
    }
    const type = Array.isArray(node["type"]) ? node["type"].find((t) => t !== "null") ?? "null" : node["type"]
    switch (type) {
      case "object": {
        const properties = isObject(node["properties"]) ? node["properties"] : {}
        const out: JsonObject = {}
        for (const [key, value] of Object.entries(properties)) out[key] = sample(value, depth + 1)
        return out
      }
      case "array": {
        const min = typeof node["minItems"] === "number" ? node["minItems"] : 0
        const max = typeof node["maxItems"] === "number" ? node["maxItems"] : min + 3
        const length = depth >= MAX_DEPTH ? min : min + Math.floor(random() * (Math.min(max, min + 3) - min + 1))
        return Array.from({ length }, () => sample(node["items"], depth + 1))
      }
      case "string":
        return random() < 0.5 ? word() : `${word()} ${word()}`
      case "integer":
      case "number": {
        const low = numberBound(node, "minimum", "exclusiveMinimum", 1, type === "integer") ?? 0
        const high = numberBound(node, "maximum", "exclusiveMaximum", -1, type === "integer") ?? low + 10
        // From 0 (or the bound nearest it) up a little: a count or an offset, not ±2^53, the
        // generator's bounds for a plain Int.
        const from = Math.max(low, Math.min(0, high))
        const span = Math.min(Math.max(0, high - from), 100)
        if (type === "number") return from + random() * span
        const first = Math.ceil(from)
        return Math.min(Math.floor(high), first + Math.floor(random() * (Math.floor(span) + 1)))
      }
      case "boolean":
        return random() < 0.5
      default:
        return null
    }
  }
  return sample(schema, 0)
}

/** The tightest inclusive bound (an exclusive one moved inward by one for integers, a hair for numbers). */
const numberBound = (node: JsonObject, inclusive: string, exclusive: string, inward: 1 | -1, integer: boolean): number | undefined => {
  const a = typeof node[inclusive] === "number" ? (node[inclusive] as number) : undefined
  const e = typeof node[exclusive] === "number" ? (node[exclusive] as number) + inward * (integer ? 1 : 1e-9) : undefined
  if (a === undefined) return e
  if (e === undefined) return a
  return inward === 1 ? Math.max(a, e) : Math.min(a, e)
}
