/**
 * Helpers of the distributed-mode tests: they drive real `serve` processes over HTTP.
 */
import { callApi, sleep } from "../support/factoryProcess.ts"

export interface SeenEvent {
  readonly _tag: string
  readonly at: number
  readonly [key: string]: unknown
}

/**
 * Keeps reading one process's `/api/v1/events/recent` (a ring of the last 1 000 events) and
 * accumulates every event it sees, deduplicated, so a long run does not lose the early ones.
 * Stops on `stop()` or when the process stops answering.
 */
export const collectEvents = (url: string, everyMs = 200) => {
  const seen = new Map<string, SeenEvent>()
  let running = true
  const key = (e: SeenEvent) => JSON.stringify(e)
  const pollOnce = async () => {
    try {
      const recent = await callApi(url, (client) => client.factory.recentEvents({ query: { limit: "1000" } }))
      for (const event of recent) seen.set(key(event), event)
    } catch {
      // the process is busy or gone: try again on the next tick
    }
  }
  const done = (async () => {
    while (running) {
      await pollOnce()
      await sleep(everyMs)
    }
  })()
  return {
    /** Every event seen so far, in publication order (by `at`, stable). */
    events: (): ReadonlyArray<SeenEvent> => [...seen.values()].sort((a, b) => a.at - b.at),
    of: (tag: string): ReadonlyArray<SeenEvent> => [...seen.values()].filter((e) => e._tag === tag).sort((a, b) => a.at - b.at),
    /** Reads once more, then stops. */
    stop: async () => {
      running = false
      await done
      await pollOnce()
    },
  }
}

/** Polls `check` every `everyMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export const waitFor = async <A>(what: string, timeoutMs: number, check: () => Promise<A | undefined>, everyMs = 100): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      lastError = error
    }
    await sleep(everyMs)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? "" : ` (last error: ${String(lastError)})`}`)
}

/** `fetch` with a deadline: an endpoint that hangs is a failure of its own, not a test timeout. */
export const apiWithin = async (timeoutMs: number, base: string, method: string, path: string) => {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  const started = performance.now()
  try {
    const response = await fetch(`${base}${path}`, { method, signal: controller.signal })
    const text = await response.text()
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, text, json, ms: performance.now() - started }
  } catch (error) {
    if (controller.signal.aborted) return { status: 0, text: `no answer within ${timeoutMs} ms`, json: undefined, ms: performance.now() - started }
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/** Sum of the restart counts in a supervision snapshot (any depth). */
export const totalRestarts = (snapshot: unknown): number => {
  if (snapshot === null || typeof snapshot !== "object") return 0
  let total = 0
  const node = snapshot as Record<string, unknown>
  if (typeof node["restarts"] === "number") total += node["restarts"]
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const child of value) total += totalRestarts(child)
    else if (value !== null && typeof value === "object") total += totalRestarts(value)
  }
  return total
}
