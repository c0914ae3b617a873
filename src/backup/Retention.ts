import type { RetentionPolicy } from "./BackupConfig.ts"

export interface SnapshotTime {
  readonly id: string
  /** Epoch ms. */
  readonly time: number
  /**
   * Creation order (the manifest's \`sequence\`): decides which snapshot is newer, because a
   * wall-clock step can make a fresh snapshot's \`time\` older than its predecessors'. Absent on
   * snapshots from before it existed, which count as older than every snapshot that has one.
   */
  readonly sequence?: number
}

export type RetentionReason = "last" | "daily" | "weekly" | "verified"

/** Newer first: by creation order, then (snapshots of one order, or none) by time, then id. */
export const newerFirst = (a: SnapshotTime, b: SnapshotTime): number =>
  (b.sequence ?? 0) - (a.sequence ?? 0) || b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

export interface RetentionDecision {
  /** Newest first, each with the rules that keep it. */
  readonly keep: ReadonlyArray<{ readonly id: string; readonly reasons: ReadonlyArray<RetentionReason> }>
  /** Newest first. */
  readonly remove: ReadonlyArray<string>
}

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatter = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    formatters.set(timeZone, f)
  }
  return f
}

/** The calendar day of an instant in a time zone: `2025-01-05`. */
export const dayOf = (time: number, timeZone: string): string => {
  const parts = formatter(timeZone).formatToParts(new Date(time))
  const get = (type: string) => parts.find((p) => p.type === type)!.value
  return `${get("year")}-${get("month")}-${get("day")}`
}

/** The ISO 8601 week of an instant in a time zone: `2025-W01` (weeks start on Monday). */
export const isoWeekOf = (time: number, timeZone: string): string => {
  const [y, m, d] = dayOf(time, timeZone).split("-").map(Number) as [number, number, number]
  const date = new Date(Date.UTC(y, m - 1, d))
  const weekday = date.getUTCDay() || 7 // Monday 1 … Sunday 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday) // the Thursday of this week decides the year
  const year = date.getUTCFullYear()
  const week = Math.ceil(((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7)
  return `${year}-W${String(week).padStart(2, "0")}`
}

/**
 * restic's `forget` rules, as a pure function. Snapshots are walked newest first:
 * - keepLast n: the n newest snapshots;
 * - keepDaily n: for each of the last n days that have a snapshot, its newest one;
 * - keepWeekly n: for each of the last n ISO weeks that have a snapshot, its newest one.
 * A snapshot kept by any rule is kept; the others are removed. A policy of all zeros keeps
 * everything (never "delete all"). Days and weeks are counted in `timeZone`. "Newest" is
 * creation order (`newerFirst`), not the clock.
 *
 * `verified`: the id of the newest verified snapshot. It, and every snapshot created after it
 * (another process's, still being verified), are kept whatever the rules say: the backup that
 * was just proven good is never the one pruned.
 */
export const applyRetention = (
  snapshots: ReadonlyArray<SnapshotTime>,
  policy: RetentionPolicy,
  timeZone = "UTC",
  verified?: string,
): RetentionDecision => {
  const newestFirst = [...snapshots].sort(newerFirst)
  if (policy.keepLast <= 0 && policy.keepDaily <= 0 && policy.keepWeekly <= 0) {
    return { keep: newestFirst.map((s) => ({ id: s.id, reasons: [] })), remove: [] }
  }
  let protecting = verified !== undefined && newestFirst.some((s) => s.id === verified)
  const rules: Array<{ reason: RetentionReason; left: number; bucket: (s: SnapshotTime) => string; last: string | undefined }> = [
    { reason: "last", left: policy.keepLast, bucket: (s) => s.id, last: undefined },
    { reason: "daily", left: policy.keepDaily, bucket: (s) => dayOf(s.time, timeZone), last: undefined },
    { reason: "weekly", left: policy.keepWeekly, bucket: (s) => isoWeekOf(s.time, timeZone), last: undefined },
  ]
  const keep: Array<{ id: string; reasons: Array<RetentionReason> }> = []
  const remove: Array<string> = []
  for (const snapshot of newestFirst) {
    const reasons: Array<RetentionReason> = []
    if (protecting) reasons.push("verified")
    if (snapshot.id === verified) protecting = false
    for (const rule of rules) {
      if (rule.left <= 0) continue
      const bucket = rule.bucket(snapshot)
      if (bucket !== rule.last) {
        rule.last = bucket
        rule.left--
        reasons.push(rule.reason)
      }
    }
    if (reasons.length > 0) keep.push({ id: snapshot.id, reasons })
    else remove.push(snapshot.id)
  }
  return { keep, remove }
}
