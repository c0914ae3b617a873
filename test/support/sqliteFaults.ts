import { DatabaseSync } from "node:sqlite"

/** What node:sqlite throws when the database cannot grow (`max_page_count` stands in for a full disk). */
export const realDiskFull = (): unknown => {
  const db = new DatabaseSync(":memory:")
  try {
    db.exec("CREATE TABLE t (x TEXT); PRAGMA max_page_count = 2")
    for (let i = 0; i < 100; i++) db.prepare("INSERT INTO t VALUES (?)").run("x".repeat(4_000))
  } catch (error) {
    return error
  } finally {
    db.close()
  }
  throw new Error("the database did not fill up")
}
