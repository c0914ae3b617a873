import { deflateRawSync } from "node:zlib"

/** A minimal ZIP writer (PKWARE APPNOTE 6.3): stored or deflated entries, no ZIP64, no extra fields. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated, UTF-8. */
  readonly name: string
  readonly data: Uint8Array | string
  /** STORE (no compression) instead of DEFLATE; EPUB's `mimetype` must be stored. */
  readonly store?: boolean
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

export const crc32 = (data: Uint8Array): number => {
  let crc = 0xffffffff
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** MS-DOS date and time (local fields taken as UTC, 2-second resolution, from 1980). */
const dosDateTime = (date: Date): { time: number; date: number } => {
  const year = Math.max(1980, Math.min(2107, date.getUTCFullYear()))
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  }
}

/** Builds the archive in memory; entries keep their order (`mimetype` first for EPUB). */
export const zip = (entries: ReadonlyArray<ZipEntry>, modified: Date = new Date(Date.UTC(1980, 0, 1))): Buffer => {
  const { time, date } = dosDateTime(modified)
  const locals: Array<Buffer> = []
  const centrals: Array<Buffer> = []
  let offset = 0
  const seen = new Set<string>()
  for (const entry of entries) {
    if (seen.has(entry.name)) throw new Error(`duplicate zip entry '${entry.name}'`)
    seen.add(entry.name)
    const name = Buffer.from(entry.name, "utf8")
    const raw = typeof entry.data === "string" ? Buffer.from(entry.data, "utf8") : Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength)
    const method = entry.store ? 0 : 8
    const body = entry.store ? raw : deflateRawSync(raw, { level: 9 })
    const crc = crc32(raw)
    // Bit 11: names are UTF-8 (only set when a name is not plain ASCII).
    const flags = /^[\x20-\x7e]*$/.test(entry.name) ? 0 : 0x0800

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed: 2.0
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(time, 10)
    local.writeUInt16LE(date, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(raw.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28) // no extra field
    locals.push(local, name, body)

    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4) // made by: MS-DOS, 2.0
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(flags, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt16LE(time, 12)
    central.writeUInt16LE(date, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(raw.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt16LE(0, 30) // extra
    central.writeUInt16LE(0, 32) // comment
    central.writeUInt16LE(0, 34) // disk
    central.writeUInt16LE(0, 36) // internal attributes
    central.writeUInt32LE(0, 38) // external attributes
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)
    offset += local.length + name.length + body.length
    if (offset > 0xffffffff) throw new Error("archive larger than 4 GiB (ZIP64 not supported)")
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(0, 4)
  end.writeUInt16LE(0, 6)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(centralSize, 12)
  end.writeUInt32LE(offset, 16)
  end.writeUInt16LE(0, 20)
  return Buffer.concat([...locals, ...centrals, end])
}
