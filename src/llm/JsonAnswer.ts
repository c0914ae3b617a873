import { Result } from "effect"

/**
 * The JSON object in a model's answer. Strict structured output answers bare JSON, but other
 * OpenAI-compatible servers (and models that ignore `response_format`) wrap it in a code fence or
 * put prose around it: the whole text is tried first, then each balanced `{ … }` from left to
 * right (which finds the object inside a fence too). The failure says why, in words that can go
 * back to the model.
 */
export const parseJsonAnswer = (text: string): Result.Result<Record<string, unknown>, string> => {
  const trimmed = text.trim()
  if (trimmed === "") return Result.fail("the answer is blank")
  // The most telling failure: that of the first balanced `{ … }`, else the whole text's.
  let wholeError: string | undefined
  let innerError: string | undefined
  const attempt = (candidate: string, whole: boolean): Record<string, unknown> | undefined => {
    let error: string
    try {
      const value: unknown = JSON.parse(candidate)
      if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
      error = `the JSON is ${Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`}, not an object`
    } catch (cause) {
      error = `the JSON does not parse: ${(cause as Error).message}`
    }
    if (whole) wholeError = error
    else innerError ??= error
    return undefined
  }
  const whole = attempt(trimmed, true)
  if (whole !== undefined) return Result.succeed(whole)
  const inner = function* () {
    for (let start = trimmed.indexOf("{"); start >= 0; start = trimmed.indexOf("{", start + 1)) {
      const object = balancedObjectAt(trimmed, start)
      if (object !== undefined) yield object
    }
  }
  for (const candidate of inner()) {
    const value = attempt(candidate, false)
    if (value !== undefined) return Result.succeed(value)
  }
  if (!trimmed.includes("{")) {
    return Result.fail(wholeError?.startsWith("the JSON is") ? wholeError : "the answer holds no JSON object")
  }
  return Result.fail(innerError ?? wholeError ?? "the answer holds no complete JSON object")
}

/** The balanced `{ … }` starting at `start` (strings and their escapes skipped), if it closes. */
const balancedObjectAt = (text: string, start: number): string | undefined => {
  let depth = 0
  let inString = false
  for (let i = start; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      if (ch === "\\") i++
      else if (ch === '"') inString = false
    } else if (ch === '"') inString = true
    else if (ch === "{") depth++
    else if (ch === "}" && --depth === 0) return text.slice(start, i + 1)
  }
  return undefined
}
