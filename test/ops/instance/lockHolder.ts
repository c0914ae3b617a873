/**
 * A real process that takes the instance lock of a data directory (argv[2]) and holds it until
 * SIGTERM (released) or SIGKILL (left stale). Prints `LOCKED <pid>` once it holds the lock; on
 * refusal prints the message to stderr and exits 1, as `serve` does.
 */
import { Cause, Effect, Exit, Fiber, Option } from "effect"
import { acquireInstanceLock } from "../../../src/ops/instance/InstanceLock.ts"

const home = process.argv[2]!
const ttlMs = Number(process.argv[3] ?? "30000")
let stop = () => {}
process.once("SIGTERM", () => stop())
process.once("SIGINT", () => stop())
const fiber = Effect.runFork(
  Effect.scoped(
    Effect.gen(function* () {
      const acquired = yield* acquireInstanceLock(home, { heartbeatMs: 100, ttlMs })
      const took = acquired.tookOver._tag === "Some" ? ` took-over ${acquired.tookOver.value.previous.pid} ${acquired.tookOver.value.why}` : ""
      process.stdout.write(`LOCKED ${process.pid}${took}\n`)
      return yield* Effect.never
    }),
  ),
)
stop = () => Effect.runFork(Fiber.interrupt(fiber))
const exit = await Effect.runPromise(Fiber.await(fiber))
if (Exit.isFailure(exit)) {
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isSome(error)) {
    process.stderr.write(`${error.value.message}\n`)
    process.exitCode = 1
  }
}
