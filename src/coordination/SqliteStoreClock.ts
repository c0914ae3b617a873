import type { Connection } from "../sqlite/Database.ts"
import { readStoreTime, type StoreTimeAnchor, type StoreTimeRecord } from "./StoreTime.ts"

/**
 * Store time (`StoreTime.ts`) on a SQLite table whose one row (`id = 1`) holds the record in
 * `wall_offset` and `seen`: a reader for one process, read in the caller's transaction. `record`
 * false for reads, which leave the stored record to the writes.
 */
export const sqliteStoreClock = (table: string) => {
  const select = `SELECT wall_offset AS offset, seen FROM ${table} WHERE id = 1`
  const update = `UPDATE ${table} SET wall_offset = ?, seen = ? WHERE id = 1`
  /** This process's last reading. */
  let anchor: StoreTimeAnchor | undefined
  return (c: Connection, wall: number, mono: number, record: boolean): number => {
    const reading = readStoreTime(c.get<StoreTimeRecord>(select)!, anchor, wall, mono)
    anchor = reading.anchor
    if (record && reading.record !== undefined) c.run(update, reading.record.offset, reading.record.seen)
    return reading.now
  }
}
