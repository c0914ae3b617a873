/**
 * The dashboard as one running thing: client → model → view, keys → ui reducer →
 * commands (intake, retry, skip: each confirmed in the ui, its outcome shown in the footer). Redraws once per `refreshMs` (default 1 s) and right after a key, never
 * per event, so a burst of thousands of events costs one frame.
 */
import { readFileSync } from "node:fs"
import { connect, type DashboardClient, type Outcome } from "./Client.ts"
import { activeAlerts, type DashboardState, DEFAULT_THRESHOLDS, initialState, type ModelInput, projectRows, selectedRow, step, type Thresholds } from "./Model.ts"
import { activeList, handleKey, initialUi, type KeyContext, type UiState } from "./Ui.ts"
import { createView, type View } from "./View.ts"
import { errorMessage } from "../util/ErrorMessage.ts"

export interface DashboardOptions {
  /** API base URL of a running `serve` (or of `run`'s own loopback API). */
  readonly url: string
  /** Bearer token of a serve that has one: every request but /healthz needs it. */
  readonly token?: string | undefined
  /** Queue-depth gauge thresholds (default warning 6, critical 21). */
  readonly thresholds?: Thresholds
  /** Redraw period (default 1 000 ms). */
  readonly refreshMs?: number
  /** Status poll period (default 1 000 ms). */
  readonly statusEveryMs?: number
  /** Longest reconnect back-off (default 5 000 ms). */
  readonly retryMaxMs?: number
  readonly version?: string
  /** Overrides `$TERM` for blessed. */
  readonly terminal?: string
  readonly input?: NodeJS.ReadableStream
  readonly output?: NodeJS.WritableStream
}

export interface RunningDashboard {
  /** Resolves with the exit code once the operator quits (0) or `stop()` is called. */
  readonly done: Promise<number>
  /** Closes the connection and restores the terminal. Idempotent. */
  readonly stop: (code?: number) => void
}

const packageVersion = (): string => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string }
    return pkg.version ?? "?"
  } catch {
    return "?"
  }
}

/** What the keys act on now: the rows of the list the arrows select, and the dead letter selected. */
export const keyContextOf = (state: DashboardState, ui: UiState, now: number, page: number): KeyContext => {
  const list = activeList(ui)
  const rows = list === "alerts" ? activeAlerts(state).length
    : list === "projects" ? projectRows(state).length
    : list === "dead" ? state.deadLetters.length
    : list === "workers" ? state.workers.length
    : 0
  const letter = ui.view === "dead" ? selectedRow(state.deadLetters, ui.selected.dead) : null
  const project = ui.view === "projects" ? selectedRow(projectRows(state), ui.selected.projects) : null
  return {
    paused: state.status?.paused ?? null,
    now,
    page,
    rows,
    deadLetter: letter === null ? null : { project: letter.project, episode: letter.episode, state: letter.state },
    project: project?.slug ?? null,
  }
}

/** Starts the dashboard on the current terminal; throws only if no screen can be opened. */
export const startDashboard = (options: DashboardOptions): RunningDashboard => {
  const state = initialState()
  let ui: UiState = initialUi()
  const view: View = createView({
    version: options.version ?? packageVersion(),
    url: options.url,
    thresholds: options.thresholds ?? DEFAULT_THRESHOLDS,
    ...(options.terminal ? { terminal: options.terminal } : {}),
    ...(options.input ? { input: options.input } : {}),
    ...(options.output ? { output: options.output } : {}),
  })

  let stopped = false
  let resolveDone: (code: number) => void = () => undefined
  const done = new Promise<number>((resolve) => (resolveDone = resolve))

  const draw = () => {
    if (stopped) return
    try {
      view.render(state, ui, Date.now())
    } catch (error) {
      // A drawing bug must not take the operator's terminal down with it.
      ui = { ...ui, notice: { text: `render error: ${errorMessage(error)}`, level: "error", at: Date.now() } }
    }
  }

  let connectionState = state.connection.state
  const client: DashboardClient = connect({
    url: options.url,
    token: options.token,
    statusEveryMs: options.statusEveryMs ?? 1_000,
    retryMaxMs: options.retryMaxMs ?? 5_000,
    onInput: (input: ModelInput) => {
      if (stopped) return
      step(state, input)
      // Connection changes are shown at once; everything else waits for the next frame.
      if (state.connection.state !== connectionState) {
        connectionState = state.connection.state
        draw()
      }
    },
  })

  const stop = (code = 0) => {
    if (stopped) return
    stopped = true
    clearInterval(ticker)
    client.close()
    view.destroy()
    resolveDone(code)
  }

  view.onKey((key) => {
    if (stopped) return
    const page = ui.view === "overview" ? view.page(ui.focus) : view.tablePage()
    const result = handleKey(ui, key, keyContextOf(state, ui, Date.now(), page))
    ui = result.ui
    const command = result.command
    if (command?._tag === "Quit") return stop(0)
    const show = (outcome: Outcome) => {
      if (stopped) return
      ui = { ...ui, notice: { text: outcome.message, level: outcome.ok ? "ok" : "error", at: Date.now() } }
      draw()
    }
    if (command?._tag === "SetIntake") {
      void client.setIntake(command.paused).then((outcome) => {
        if (outcome.ok && state.status) state.status = { ...state.status, paused: command.paused }
        show(outcome)
      })
    }
    if (command?._tag === "Retry") void client.retry(command.project, command.episode).then(show)
    if (command?._tag === "Skip") void client.skip(command.project, command.episode, command.reason).then(show)
    if (command?._tag === "Hold") void client.hold(command.project).then(show)
    if (command?._tag === "Resume") void client.resume(command.project).then(show)
    if (command?._tag === "Cancel") void client.cancel(command.project).then(show)
    if (command?._tag === "Delete") void client.deleteProject(command.project).then(show)
    draw()
  })
  view.onResize(draw)

  const ticker = setInterval(draw, options.refreshMs ?? 1_000)
  draw()
  return { done, stop }
}

/** Runs the dashboard until the operator quits; resolves with the exit code (0). */
export const runDashboard = (options: DashboardOptions): Promise<number> => startDashboard(options).done
