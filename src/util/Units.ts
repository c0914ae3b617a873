/**
 * Units the operator types on the command line: durations (`60s`, `500ms`, `1.5m`, `2h`)
 * and percentages (`1%`, `0.5%`). Each parser returns the value or a message naming what
 * was expected, for the caller to turn into a usage error naming the flag. And the same units
 * as the operator reads them: reports (`12.3 ms`) and the dashboard's narrow cells (`850ms`).
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
}

/** `500ms`, `60s`, `1.5m`, `2h` (a bare number is refused: the unit is never guessed). */
export const parseDurationMs = (raw: string): number | string => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)\s*$/i.exec(raw)
  if (!m) return `expected a duration such as 500ms, 60s, 2m or 1h, got '${raw}'`
  const ms = Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]!
  if (!Number.isFinite(ms)) return `'${raw}' is not a finite duration`
  return ms
}

/** `1%`, `0.5%`, `0%` → a fraction (0.01 …). The `%` is required, so `1` cannot mean 100 %. */
export const parsePercent = (raw: string): number | string => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(raw)
  if (!m) return `expected a percentage such as 1% or 0.5%, got '${raw}'`
  const value = Number(m[1])
  if (value > 100) return `a percentage is at most 100%, got '${raw}'`
  return value / 100
}

/** A positive finite number (fractions allowed, e.g. `--rps 0.5`). */
export const parsePositiveNumber = (raw: string): number | string => {
  const value = Number(raw)
  if (raw.trim() === "" || !Number.isFinite(value)) return `expected a number, got '${raw}'`
  if (value <= 0) return `must be greater than 0, got '${raw}'`
  return value
}

/** `12.3 ms`, `1.24 s`: latencies as an operator reads them. */
export const formatMs = (ms: number): string => {
  if (!Number.isFinite(ms)) return "–"
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms >= 1_000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 100) return `${ms.toFixed(0)} ms`
  if (ms >= 10) return `${ms.toFixed(1)} ms`
  return `${ms.toFixed(2)} ms`
}

/** Latencies, compact (fits a 6-column cell): `850ms`, `1.2s`, `42s`, `2m03s`, `1h02m`. */
export const formatMsCompact = (ms: number): string => {
  if (!Number.isFinite(ms)) return "–"
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`
}

export const formatPercent = (fraction: number, digits = 2): string =>
  Number.isFinite(fraction) ? `${(fraction * 100).toFixed(digits)}%` : "–"
