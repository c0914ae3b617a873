/**
 * Gathers the calls made during one turn of the event loop and sends them as one request.
 *
 * Many fibers sharing one Redis connection tend to issue the same transition at about the same
 * time (a burst of replies wakes them together). Sending those as one script call instead of
 * one each saves, per call, a command on the client (ioredis) and on the server (parsing,
 * dispatch, the script's setup, its propagation to the AOF), and lets the script do the work
 * they share once. It costs at most one `setImmediate` of delay, so a lone caller is not held up.
 *
 * `send` answers one output per item, in order; an output that is an `Error` fails that item
 * alone, a failed `send` fails every item of the request.
 */
export const turnBatcher = <I, O>(
  send: (items: ReadonlyArray<I>) => Promise<ReadonlyArray<O | Error>>,
  maxBatch: number,
): ((item: I) => Promise<O>) => {
  interface Waiter {
    readonly item: I
    readonly resolve: (o: O) => void
    readonly reject: (error: unknown) => void
  }
  let waiting: Array<Waiter> = []

  const settle = (chunk: ReadonlyArray<Waiter>, outs: ReadonlyArray<O | Error>) => {
    if (!Array.isArray(outs) || outs.length !== chunk.length) {
      const error = new Error(`a batch of ${chunk.length} got ${Array.isArray(outs) ? outs.length : typeof outs} answers`)
      for (const w of chunk) w.reject(error)
      return
    }
    for (let k = 0; k < chunk.length; k++) {
      const out = outs[k]
      if (out instanceof Error) chunk[k].reject(out)
      else chunk[k].resolve(out)
    }
  }

  const flush = () => {
    const all = waiting
    waiting = []
    for (let i = 0; i < all.length; i += maxBatch) {
      const chunk = all.slice(i, i + maxBatch)
      let sent: Promise<ReadonlyArray<O | Error>>
      try {
        sent = send(chunk.map((w) => w.item))
      } catch (error) {
        sent = Promise.reject(error)
      }
      sent.then(
        (outs) => settle(chunk, outs),
        (error: unknown) => {
          for (const w of chunk) w.reject(error)
        },
      )
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (waiting.push({ item, resolve, reject }) === 1) setImmediate(flush)
    })
}
