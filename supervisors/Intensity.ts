/**
 * Restart intensity (OTP's MaxR / MaxT): at most `maxRestarts` restarts within
 * any sliding window of `withinMs`. One more than that and the supervisor gives
 * up and escalates to its parent. Pure: the window is a list of timestamps.
 */
export interface Intensity {
  readonly maxRestarts: number
  readonly withinMs: number
}

/** Timestamps (epoch ms, ascending) of the restarts still inside the window. */
export type RestartWindow = ReadonlyArray<number>

export const emptyWindow: RestartWindow = []

/** Drops the restarts that have slid out of the window ending at `now`. */
export const prune = (window: RestartWindow, now: number, intensity: Intensity): RestartWindow =>
  window.filter((at) => at > now - intensity.withinMs)

/**
 * Records a restart at `now`. `exceeded` is true when that restart would be one
 * too many; the caller then escalates instead of restarting.
 */
export const recordRestart = (
  window: RestartWindow,
  now: number,
  intensity: Intensity,
): { readonly window: RestartWindow; readonly exceeded: boolean } => {
  const next = [...prune(window, now, intensity), now]
  return { window: next, exceeded: next.length > intensity.maxRestarts }
}

/** How many restarts the window holds at `now`. */
export const restartsInWindow = (window: RestartWindow, now: number, intensity: Intensity): number =>
  prune(window, now, intensity).length
