import type { Connection } from "../sqlite/Database.ts"
import { readStoreTime, type StoreTimeAnchor, type StoreTimeRecord } from "./StoreTime.ts"

/**
 * Store time (`StoreTime.ts`) on a SQLite table whose one row (`id = 1`) holds the record in
 * `wall_offset` and `seen`: a reader for one process, read in the caller's transaction. `record`
 * false for reads, which leave the stored record to the writes.
 *
 * The record is read once per transaction: a group commit runs a batch of writes (8 with 8
 * workers) in one, and no other process can change the record while it holds the write lock.
 * Reading it for each write cost the queue ~10 % of its throughput (bench/queue.ts, 8 workers).
 */
export const sqliteStoreClock = (table: string) => {
  const select = `SELECT wall_offset AS offset, seen FROM ${table} WHERE id = 1`
  const update = `UPDATE ${table} SET wall_offset = ?, seen = ? WHERE id = 1`
  /** This process's last reading. */
  let anchor: StoreTimeAnchor | undefined
  /** The record as this transaction has it (read, or written by it). */
  let kept: { readonly serial: number; record: StoreTimeRecord } | undefined
  return (c: Connection, wall: number, mono: number, record: boolean): number => {
    const serial = c.transactionSerial()
    const stored = serial !== undefined && kept?.serial === serial ? kept.record : c.get<StoreTimeRecord>(select)!
    if (serial !== undefined) kept = { serial, record: stored }
    const reading = readStoreTime(stored, anchor, wall, mono)
    anchor = reading.anchor
    if (record && reading.record !== undefined) {
      c.run(update, reading.record.offset, reading.record.seen)
      if (kept !== undefined) kept.record = reading.record
    }
    return reading.now
  }
}
