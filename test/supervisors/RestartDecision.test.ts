import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { recordRestart, restartsInWindow } from "../../supervisors/Intensity.ts"
import { decide, type DecisionInput, shouldRestart, type SiblingView } from "../../supervisors/RestartDecision.ts"

const active = (id: string, restart: SiblingView["restart"] = "permanent"): SiblingView => ({ id, restart, status: "active" })
const children = [active("a"), active("b"), active("c"), active("d")]

const input = (overrides: Partial<DecisionInput>): DecisionInput => ({
  strategy: "one-for-one",
  children,
  exited: { id: "b", restart: "permanent", outcome: "failure" },
  intensity: { maxRestarts: 3, withinMs: 10_000 },
  window: [],
  now: 100_000,
  ...overrides,
})

describe("shouldRestart", () => {
  it("follows OTP's restart types", () => {
    const table = (["permanent", "transient", "temporary"] as const).map((restart) =>
      (["success", "failure", "interrupted"] as const).map((outcome) => shouldRestart(restart, outcome))
    )
    expect(table).toEqual([
      [true, true, true],
      [false, true, false],
      [false, false, false],
    ])
  })
})

describe("decide", () => {
  it("one-for-one restarts only the exited child", () => {
    expect(decide(input({}))).toEqual({ _tag: "Restart", stop: [], remove: [], restart: ["b"], window: [100_000] })
  })

  it("one-for-all stops the others in reverse order and restarts all in order", () => {
    expect(decide(input({ strategy: "one-for-all" }))).toMatchObject({
      _tag: "Restart",
      stop: ["d", "c", "a"],
      restart: ["a", "b", "c", "d"],
    })
  })

  it("rest-for-one takes the children after the exited one", () => {
    expect(decide(input({ strategy: "rest-for-one" }))).toMatchObject({
      _tag: "Restart",
      stop: ["d", "c"],
      restart: ["b", "c", "d"],
    })
  })

  it("drops temporary siblings, joins backing-off ones, leaves finished ones alone", () => {
    const mixed: Array<SiblingView> = [
      active("a", "temporary"),
      active("b"),
      { id: "c", restart: "permanent", status: "backing-off" },
      { id: "d", restart: "transient", status: "inactive" },
      active("e", "transient"),
    ]
    expect(decide(input({ strategy: "one-for-all", children: mixed }))).toEqual({
      _tag: "Restart",
      stop: ["e", "a"],
      remove: ["a"],
      restart: ["b", "c", "e"],
      window: [100_000],
    })
  })

  it("lets a child rest when its restart type says so; a temporary one is removed", () => {
    expect(decide(input({ exited: { id: "b", restart: "transient", outcome: "success" } }))).toEqual({
      _tag: "LetItRest",
      remove: false,
    })
    expect(decide(input({ exited: { id: "b", restart: "temporary", outcome: "failure" } }))).toEqual({
      _tag: "LetItRest",
      remove: true,
    })
  })

  it("escalates on the restart that exceeds the intensity, not before", () => {
    const three = [95_000, 97_000, 99_000]
    expect(decide(input({ window: three.slice(0, 2) }))._tag).toBe("Restart")
    expect(decide(input({ window: three }))._tag).toBe("Escalate")
    // The oldest restart slid out of the window: room again.
    expect(decide(input({ window: [90_000, 97_000, 99_000] }))._tag).toBe("Restart")
  })

  it("with maxRestarts 0 every restart escalates", () => {
    expect(decide(input({ intensity: { maxRestarts: 0, withinMs: 1 } }))._tag).toBe("Escalate")
  })
})

describe("Intensity", () => {
  it("never lets more than maxRestarts into any window (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 60 }),
        (maxRestarts, withinMs, gaps) => {
          const intensity = { maxRestarts, withinMs }
          let window: ReadonlyArray<number> = []
          let now = 0
          const accepted: Array<number> = []
          for (const gap of gaps) {
            now += gap
            const result = recordRestart(window, now, intensity)
            if (result.exceeded) return // a real supervisor stops here
            window = result.window
            accepted.push(now)
            expect(restartsInWindow(window, now, intensity)).toBeLessThanOrEqual(maxRestarts)
          }
          // Brute force over the accepted restarts: no window of withinMs holds more than maxRestarts.
          for (const end of accepted) {
            expect(accepted.filter((at) => at > end - withinMs && at <= end).length).toBeLessThanOrEqual(maxRestarts)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
