import { Data, Schema } from "effect"

/**
 * The JSON Schema of an Effect Schema in the subset OpenAI's structured outputs accept with
 * `strict: true`, and the way back from an answer in that form to the schema's JSON codec.
 *
 * Effect's generator (`Schema.toJsonSchemaDocument`, draft 2020-12, describing
 * `Schema.toCodecJson(schema)`) is not strict-compatible as it stands, so its output is rewritten:
 *
 * - strict mode wants every property listed in `required`: an optional property becomes required
 *   and nullable, and `fromStrict` turns the model's `null` back into an absent key before
 *   decoding (an `optionalKey` field refuses `null`);
 * - strict mode wants `additionalProperties: false` on every object (the generator writes it
 *   when asked with `onExcessProperty: "error"`; it is forced here too);
 * - strict mode knows `anyOf` only: `oneOf` becomes `anyOf` (same answers for exact branches);
 * - `Schema.Number`'s JSON codec also accepts the strings "Infinity", "-Infinity", "NaN"; a
 *   model should never answer them, so that branch is left out of what is asked for;
 * - `Schema.NonEmptyArray` is written as a one-item `prefixItems` plus `items`: the same thing as
 *   `items` + `minItems` here, which strict mode accepts (a real tuple is refused below);
 * - keywords strict mode refuses (`minLength`, `maxLength`, `default`, `examples` …) are left
 *   out: the Effect decoder still enforces every check, and a violation is sent back to the
 *   model as a retry;
 * - what has no strict form at all (a record with free keys, a real tuple, an unconstrained
 *   `Unknown`, `allOf`/`not`/conditionals, a root that is not an object) is refused with a
 *   `StrictSchemaUnsupported` naming the path, so the schema is fixed in code rather than
 *   failing at the provider.
 */

export class StrictSchemaUnsupported extends Data.TaggedError("StrictSchemaUnsupported")<{
  readonly message: string
  /** JSON pointer-ish path in the generated schema, e.g. `#/properties/people/items`. */
  readonly path: string
}> {}

type JsonObject = Record<string, unknown>

export interface StrictJsonSchema {
  /** What goes into `response_format.json_schema.schema`. */
  readonly schema: JsonObject
  /** An answer in the strict form → the input of `Schema.toCodecJson(schema)`: optional keys the model set to `null` are removed. */
  readonly fromStrict: (value: unknown) => unknown
}

/** Keywords passed through as they are (after their sub-schemas are rewritten). */
const KEPT = new Set([
  "type",
  "enum",
  "const",
  "description",
  "title",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
])

/** Keywords that change what is valid and that strict mode cannot express: refused rather than silently dropped. */
const REFUSED: Record<string, string> = {
  allOf: "allOf (an intersection)",
  not: "not",
  if: "if/then/else",
  then: "if/then/else",
  else: "if/then/else",
  patternProperties: "a record with free keys (patternProperties); use an array of { key, value } objects",
  propertyNames: "a record with free keys (propertyNames); use an array of { key, value } objects",
  dependentRequired: "dependentRequired",
  dependentSchemas: "dependentSchemas",
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value)

/** The branch `Schema.Number`'s JSON codec adds for non-finite numbers. */
const isNonFiniteNumberBranch = (s: unknown): boolean =>
  isObject(s) && s["type"] === "string" && Array.isArray(s["enum"]) &&
  s["enum"].length > 0 && s["enum"].every((v) => v === "Infinity" || v === "-Infinity" || v === "NaN")

const admitsNull = (s: JsonObject): boolean =>
  s["type"] === "null" ||
  (Array.isArray(s["type"]) && s["type"].includes("null")) ||
  (Array.isArray(s["anyOf"]) && s["anyOf"].some((b) => isObject(b) && admitsNull(b)))

const nullable = (s: JsonObject): JsonObject => (admitsNull(s) ? s : { anyOf: [s, { type: "null" }] })

const rewrite = (node: unknown, path: string): JsonObject => {
  if (!isObject(node)) throw new StrictSchemaUnsupported({ path, message: `${path}: expected a schema object, got ${JSON.stringify(node)}` })
  for (const key of Object.keys(node)) {
    const refused = REFUSED[key]
    if (refused !== undefined) {
      throw new StrictSchemaUnsupported({ path, message: `${path}: ${refused} has no strict structured-output form` })
    }
  }
  if (typeof node["$ref"] === "string") return { $ref: node["$ref"] }

  const branches = node["anyOf"] ?? node["oneOf"]
  if (Array.isArray(branches)) {
    const kept = branches.filter((b) => !isNonFiniteNumberBranch(b)).map((b, i) => rewrite(b, `${path}/anyOf/${i}`))
    const description = typeof node["description"] === "string" ? { description: node["description"] } : {}
    if (kept.length === 1) return { ...kept[0], ...description }
    return { anyOf: kept, ...description }
  }

  const out: JsonObject = {}
  for (const [key, value] of Object.entries(node)) if (KEPT.has(key)) out[key] = value
  if (out["type"] === undefined && out["enum"] === undefined && out["const"] === undefined) {
    throw new StrictSchemaUnsupported({
      path,
      message: `${path}: an unconstrained value (Schema.Unknown, Schema.Any, an opaque declaration) has no strict structured-output form; give it a type`,
    })
  }

  if (node["type"] === "object") {
    const additional = node["additionalProperties"]
    if (isObject(additional)) {
      throw new StrictSchemaUnsupported({
        path,
        message: `${path}: a record with free keys (additionalProperties) has no strict structured-output form; use an array of { key, value } objects`,
      })
    }
    const properties = isObject(node["properties"]) ? node["properties"] : {}
    const required = new Set(Array.isArray(node["required"]) ? node["required"] : [])
    const strictProperties: JsonObject = {}
    for (const [key, value] of Object.entries(properties)) {
      const rewritten = rewrite(value, `${path}/properties/${key}`)
      strictProperties[key] = required.has(key) ? rewritten : nullable(rewritten)
    }
    out["properties"] = strictProperties
    out["required"] = Object.keys(strictProperties)
    out["additionalProperties"] = false
  }

  if (node["type"] === "array") {
    const prefix = node["prefixItems"]
    const items = node["items"]
    if (Array.isArray(prefix) && prefix.length > 0) {
      const sameAsItems = items !== undefined && prefix.every((p) => JSON.stringify(p) === JSON.stringify(items))
      if (!sameAsItems) {
        throw new StrictSchemaUnsupported({
          path,
          message: `${path}: a tuple (prefixItems) has no strict structured-output form; use an object with named fields`,
        })
      }
    }
    if (items === undefined || items === false) {
      throw new StrictSchemaUnsupported({ path, message: `${path}: an array needs an item schema` })
    }
    out["items"] = rewrite(items, `${path}/items`)
  }
  return out
}

/** Does `value` look like an instance of the object branch `s` (type, and every single-value enum property)? */
const fitsBranch = (value: unknown, s: JsonObject, defs: JsonObject): boolean => {
  const resolved = resolve(s, defs)
  const type = resolved["type"]
  if (type === "null") return value === null
  if (type === "object") {
    if (!isObject(value)) return false
    const properties = isObject(resolved["properties"]) ? resolved["properties"] : {}
    return Object.entries(properties).every(([key, p]) => {
      const literal = isObject(p) && Array.isArray(p["enum"]) && p["enum"].length === 1 ? p["enum"][0] : undefined
      return literal === undefined || value[key] === literal
    })
  }
  if (type === "array") return Array.isArray(value)
  if (type === "string") return typeof value === "string"
  if (type === "number" || type === "integer") return typeof value === "number"
  if (type === "boolean") return typeof value === "boolean"
  return true
}

const resolve = (s: JsonObject, defs: JsonObject): JsonObject => {
  const ref = s["$ref"]
  if (typeof ref !== "string") return s
  const target = defs[ref.replace(/^#\/\$defs\//, "")]
  return isObject(target) ? target : s
}

/** Removes `null` at the keys the generated (pre-strict) schema left optional and that do not admit `null` themselves. */
const dropNullOptionals = (value: unknown, schema: JsonObject, defs: JsonObject): unknown => {
  const s = resolve(schema, defs)
  const branches = s["anyOf"] ?? s["oneOf"]
  if (Array.isArray(branches)) {
    const branch = branches.find((b) => isObject(b) && fitsBranch(value, b, defs))
    return isObject(branch) ? dropNullOptionals(value, branch, defs) : value
  }
  if (Array.isArray(value)) {
    const items = s["items"]
    return isObject(items) ? value.map((v) => dropNullOptionals(v, items, defs)) : value
  }
  if (isObject(value) && isObject(s["properties"])) {
    const required = new Set(Array.isArray(s["required"]) ? s["required"] : [])
    const out: JsonObject = {}
    for (const [key, v] of Object.entries(value)) {
      const p = s["properties"][key]
      if (!isObject(p)) {
        out[key] = v
        continue
      }
      if (v === null && !required.has(key) && !admitsNull(resolve(p, defs))) continue
      out[key] = dropNullOptionals(v, p, defs)
    }
    return out
  }
  return value
}

/**
 * The strict form of `schema`'s JSON Schema. Throws `StrictSchemaUnsupported` when the schema has
 * none (a programming error: the schema is fixed in code).
 */
export const toStrictJsonSchema = (schema: Schema.Top): StrictJsonSchema => {
  const document = Schema.toJsonSchemaDocument(schema, { onExcessProperty: "error" })
  const definitions: JsonObject = document.definitions
  // A root schema with an identifier comes as a `$ref` to its definition; strict mode wants the
  // object itself at the root (the definition stays in `$defs` for any recursive reference).
  const rootSchema = resolve(document.schema as JsonObject, definitions)
  const root = rewrite(rootSchema, "#")
  if (root["type"] !== "object") {
    throw new StrictSchemaUnsupported({
      path: "#",
      message: `#: the root of a structured output must be an object, not ${Array.isArray(root["anyOf"]) ? "a union" : JSON.stringify(root["type"] ?? root)}; wrap it in a Struct`,
    })
  }
  const defs: JsonObject = {}
  for (const [name, definition] of Object.entries(definitions)) defs[name] = rewrite(definition, `#/$defs/${name}`)
  const strict = Object.keys(defs).length > 0 ? { ...root, $defs: defs } : root
  return { schema: strict, fromStrict: (value) => dropNullOptionals(value, rootSchema, definitions) }
}
