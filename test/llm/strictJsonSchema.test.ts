import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import fc from "fast-check"
import { EpisodeAnalysis } from "../../src/domain/Analysis.ts"
import { mulberry32 } from "../../src/util/Prng.ts"
import { sampleJson } from "../../src/llm/JsonSchemaSample.ts"
import { StrictSchemaUnsupported, toStrictJsonSchema } from "../../src/llm/StrictJsonSchema.ts"

// An analyst-like answer: every construct a stage's schema is likely to use.
const Delta = Schema.Union([
  Schema.TaggedStruct("Death", { character: Schema.String, quote: Schema.String }),
  Schema.TaggedStruct("NewPlace", { name: Schema.String, description: Schema.optionalKey(Schema.String) }),
])
const Analysis = Schema.Struct({
  summary: Schema.String.check(Schema.isMinLength(1)),
  mood: Schema.Literals(["calm", "tense"]),
  tension: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 10 })),
  score: Schema.Number,
  note: Schema.optionalKey(Schema.String),
  nick: Schema.optional(Schema.String),
  rival: Schema.NullOr(Schema.String),
  deltas: Schema.Array(Delta),
  tags: Schema.NonEmptyArray(Schema.String),
  nested: Schema.Struct({ flag: Schema.Boolean, extra: Schema.optionalKey(Schema.Int) }),
})

interface Thread {
  readonly title: string
  readonly subthreads: ReadonlyArray<Thread>
}
const ThreadSchema: Schema.Codec<Thread> = Schema.Struct({
  title: Schema.String,
  subthreads: Schema.Array(Schema.suspend(() => ThreadSchema)),
}).annotate({ identifier: "Thread" })
const Outline = Schema.Struct({ threads: Schema.Array(ThreadSchema) })

const REFUSED_KEYWORDS = ["oneOf", "allOf", "not", "if", "then", "else", "prefixItems", "patternProperties", "propertyNames", "minLength", "maxLength", "default", "examples"]

/** What OpenAI's strict mode demands of every node, checked over a whole schema. */
const expectStrictCompatible = (node: unknown, path = "#"): void => {
  if (typeof node !== "object" || node === null) throw new Error(`${path}: not a schema`)
  const s = node as Record<string, unknown>
  for (const key of REFUSED_KEYWORDS) expect(s, `${path} has ${key}`).not.toHaveProperty(key)
  if (s["type"] === "object") {
    const properties = s["properties"] as Record<string, unknown>
    expect(s["additionalProperties"], `${path}.additionalProperties`).toBe(false)
    expect([...(s["required"] as Array<string>)].sort(), `${path}.required`).toEqual(Object.keys(properties).sort())
    for (const [key, value] of Object.entries(properties)) expectStrictCompatible(value, `${path}/properties/${key}`)
  }
  if (s["type"] === "array") expectStrictCompatible(s["items"], `${path}/items`)
  if (Array.isArray(s["anyOf"])) s["anyOf"].forEach((b, i) => expectStrictCompatible(b, `${path}/anyOf/${i}`))
  if (typeof s["$defs"] === "object") for (const [k, v] of Object.entries(s["$defs"] as object)) expectStrictCompatible(v, `#/$defs/${k}`)
  expect(
    "type" in s || "anyOf" in s || "$ref" in s || "enum" in s || "const" in s,
    `${path} constrains its value`,
  ).toBe(true)
}

describe("toStrictJsonSchema", () => {
  it("makes optional properties required and nullable, closes objects, keeps only what strict mode accepts", () => {
    const schema = Schema.Struct({
      name: Schema.String.check(Schema.isMinLength(1)),
      age: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 200 }))),
      alias: Schema.optional(Schema.String),
      rival: Schema.NullOr(Schema.String),
      score: Schema.Number,
    })
    expect(toStrictJsonSchema(schema).schema).toEqual({
      type: "object",
      properties: {
        name: { type: "string" }, // minLength left to the decoder
        age: { anyOf: [{ type: "integer", minimum: 0, maximum: 200 }, { type: "null" }] },
        alias: { anyOf: [{ type: "string" }, { type: "null" }] },
        rival: { anyOf: [{ type: "string" }, { type: "null" }] },
        score: { type: "number" }, // without the codec's "Infinity" / "NaN" strings
      },
      required: ["name", "age", "alias", "rival", "score"],
      additionalProperties: false,
    })
  })

  it("turns unions into anyOf, a non-empty array into items + minItems, and moves definitions to $defs", () => {
    const analysis = toStrictJsonSchema(Analysis).schema
    expectStrictCompatible(analysis)
    const properties = analysis["properties"] as Record<string, Record<string, unknown>>
    expect(properties["tags"]).toEqual({ type: "array", minItems: 1, items: { type: "string" } })
    expect((properties["deltas"]!["items"] as Record<string, unknown>)["anyOf"]).toHaveLength(2)
    expect(properties["mood"]).toEqual({ type: "string", enum: ["calm", "tense"] })

    const outline = toStrictJsonSchema(Outline).schema
    expectStrictCompatible(outline)
    expect(outline["$defs"]).toHaveProperty("Thread")
    expect(outline["properties"]).toEqual({ threads: { type: "array", items: { $ref: "#/$defs/Thread" } } })
  })

  it("puts a root with an identifier at the root itself, not behind a $ref", () => {
    const Named = Schema.Struct({ title: Schema.String, note: Schema.optionalKey(Schema.String) }).annotate({ identifier: "Named" })
    const strict = toStrictJsonSchema(Named)
    expectStrictCompatible(strict.schema)
    expect(strict.schema).toMatchObject({ type: "object", required: ["title", "note"] })
    expect(Schema.decodeUnknownSync(Schema.toCodecJson(Named))(strict.fromStrict({ title: "t", note: null }))).toEqual({ title: "t" })
  })

  it("gives the analyst's EpisodeAnalysis (src/domain) a strict form whose samples decode", () => {
    const strict = toStrictJsonSchema(EpisodeAnalysis)
    expectStrictCompatible(strict.schema)
    for (let seed = 0; seed < 50; seed++) {
      const sample = sampleJson(strict.schema, mulberry32(seed), ["서준", "성문"])
      expect(() => Schema.decodeUnknownSync(Schema.toCodecJson(EpisodeAnalysis))(strict.fromStrict(sample))).not.toThrow()
    }
  })

  it("refuses, naming the path, what strict mode cannot express", () => {
    const refusal = (schema: Schema.Top) => {
      try {
        toStrictJsonSchema(schema)
      } catch (error) {
        expect(error).toBeInstanceOf(StrictSchemaUnsupported)
        return (error as StrictSchemaUnsupported).message
      }
      throw new Error("expected a refusal")
    }
    expect(refusal(Schema.Struct({ counts: Schema.Record(Schema.String, Schema.Number) }))).toMatch(/#\/properties\/counts: a record with free keys/)
    expect(refusal(Schema.Struct({ pair: Schema.Tuple([Schema.String, Schema.Number]) }))).toMatch(/#\/properties\/pair: a tuple/)
    expect(refusal(Schema.Struct({ anything: Schema.Unknown }))).toMatch(/#\/properties\/anything: an unconstrained value/)
    expect(refusal(Schema.String)).toMatch(/root of a structured output must be an object, not "string"/)
    expect(refusal(Schema.Union([Schema.Struct({ a: Schema.String }), Schema.Struct({ b: Schema.String })]))).toMatch(/not a union/)
  })

  it("fromStrict: the model's null for an optional key is an absent key, a nullable field keeps its null", () => {
    const { fromStrict } = toStrictJsonSchema(Analysis)
    const answer = {
      summary: "s",
      mood: "calm",
      tension: 3,
      score: 0.5,
      note: null,
      nick: null,
      rival: null,
      deltas: [{ _tag: "NewPlace", name: "성문", description: null }, { _tag: "Death", character: "노인", quote: "…" }],
      tags: ["a"],
      nested: { flag: true, extra: null },
    }
    const decoded = Schema.decodeUnknownSync(Schema.toCodecJson(Analysis))(fromStrict(answer))
    expect(decoded).toEqual({
      summary: "s",
      mood: "calm",
      tension: 3,
      score: 0.5,
      nick: undefined,
      rival: null,
      deltas: [{ _tag: "NewPlace", name: "성문" }, { _tag: "Death", character: "노인", quote: "…" }],
      tags: ["a"],
      nested: { flag: true },
    })
    expect("note" in decoded).toBe(false)
  })
})

const text = fc.string({ minLength: 1, maxLength: 8 })
const analysisValue = fc.record(
  {
    summary: text,
    mood: fc.constantFrom("calm" as const, "tense" as const),
    tension: fc.integer({ min: 0, max: 10 }),
    score: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => d + 0), // JSON has no -0
    note: text,
    nick: text,
    rival: fc.option(text, { nil: null }),
    deltas: fc.array(
      fc.oneof(
        fc.record({ _tag: fc.constant("Death" as const), character: text, quote: text }),
        fc.record({ _tag: fc.constant("NewPlace" as const), name: text, description: text }, { requiredKeys: ["_tag", "name"] }),
      ),
      { maxLength: 3 },
    ),
    tags: fc.array(text, { minLength: 1, maxLength: 3 }).map((xs) => xs as unknown as readonly [string, ...Array<string>]),
    nested: fc.record({ flag: fc.boolean(), extra: fc.integer() }, { requiredKeys: ["flag"] }),
  },
  { requiredKeys: ["summary", "mood", "tension", "score", "rival", "deltas", "tags", "nested"] },
)

/** How a strict model writes an absent optional key: as null. */
const asStrictAnswer = (value: unknown, schema: Record<string, unknown>): unknown => {
  const s = schema
  if (Array.isArray(s["anyOf"])) {
    const branch = (s["anyOf"] as Array<Record<string, unknown>>).find((b) =>
      b["type"] === "object" && typeof value === "object" && value !== null &&
      Object.entries(b["properties"] as Record<string, Record<string, unknown>>).every(([k, p]) => !Array.isArray(p["enum"]) || p["enum"].length !== 1 || (value as Record<string, unknown>)[k] === p["enum"][0])
    ) ?? (s["anyOf"] as Array<Record<string, unknown>>)[0]!
    return value === null ? null : asStrictAnswer(value, branch)
  }
  if (Array.isArray(value)) return value.map((v) => asStrictAnswer(v, s["items"] as Record<string, unknown>))
  if (typeof value === "object" && value !== null && s["type"] === "object") {
    const properties = s["properties"] as Record<string, Record<string, unknown>>
    return Object.fromEntries(Object.entries(properties).map(([k, p]) => [k, k in value ? asStrictAnswer((value as Record<string, unknown>)[k], p) : null]))
  }
  return value
}

describe("the strict form round-trips", () => {
  const strict = toStrictJsonSchema(Analysis)
  const codec = Schema.toCodecJson(Analysis)

  it("any value, written as a strict model writes it (absent keys as null), decodes back to itself", () => {
    fc.assert(
      fc.property(analysisValue, (value) => {
        const json = Schema.encodeSync(codec)(value)
        const answer = JSON.parse(JSON.stringify(asStrictAnswer(json, strict.schema)))
        expect(Schema.decodeUnknownSync(codec)(strict.fromStrict(answer))).toEqual(Schema.decodeUnknownSync(codec)(json))
      }),
      { numRuns: 200 },
    )
  })

  it("the simulator's sample of a strict schema decodes, for any seed and prompt words (recursive schemas end)", () => {
    const outline = toStrictJsonSchema(Outline)
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 5 }), (seed, words) => {
        const sample = sampleJson(strict.schema, mulberry32(seed), words)
        expect(() => Schema.decodeUnknownSync(codec)(strict.fromStrict(sample))).not.toThrow()
        const tree = sampleJson(outline.schema, mulberry32(seed), words)
        expect(() => Schema.decodeUnknownSync(Schema.toCodecJson(Outline))(outline.fromStrict(tree))).not.toThrow()
      }),
      { numRuns: 200 },
    )
  })
})
