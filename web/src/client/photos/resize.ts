/**
 * Pure arithmetic for photo compression, shared by the worker and the page (and
 * unit-tested): target size, and where the watermark goes.
 */

/** Long edge after resizing (ODK uses max-pixels; Survey123 1280 px; we keep a little more). */
export const MAX_EDGE = 1600
/** JPEG quality: 150–400 KB for a typical 1600 px photo. */
export const JPEG_QUALITY = 0.8

export interface Size {
  width: number
  height: number
}

/** Scale (never up) so the long edge is at most `maxEdge`, keeping the aspect ratio. */
export function fitWithin(width: number, height: number, maxEdge: number = MAX_EDGE): Size {
  if (!(width > 0) || !(height > 0)) throw new RangeError('image has no pixels')
  const long = Math.max(width, height)
  if (long <= maxEdge) return { width: Math.round(width), height: Math.round(height) }
  const scale = maxEdge / long
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  }
}

export interface WatermarkInfo {
  /** When the photo was taken (phone clock), already formatted. */
  time: string
  place: string
  visitor: string
}

/** The lines stamped on a photo, top to bottom; empty parts are left out. */
export function watermarkLines(info: WatermarkInfo): string[] {
  const lines = [info.time]
  if (info.place.trim()) lines.push(`地点：${info.place.trim()}`)
  if (info.visitor.trim()) lines.push(`记录人：${info.visitor.trim()}`)
  return lines.map((line) => (line.length > 40 ? `${line.slice(0, 39)}…` : line))
}

export interface WatermarkLayout {
  fontSize: number
  lineHeight: number
  padding: number
  /** Top of the translucent band at the bottom of the photo. */
  bandTop: number
  /** Baseline of each line. */
  baselines: number[]
}

/** Font about 1/40 of the short edge (never below 14 px), in a band along the bottom edge. */
export function watermarkLayout(size: Size, lineCount: number): WatermarkLayout {
  const fontSize = Math.max(14, Math.round(Math.min(size.width, size.height) / 40))
  const lineHeight = Math.round(fontSize * 1.35)
  const padding = Math.round(fontSize * 0.6)
  const bandHeight = lineCount * lineHeight + 2 * padding
  const bandTop = size.height - bandHeight
  const baselines = Array.from({ length: lineCount }, (_, i) => bandTop + padding + (i + 1) * lineHeight - Math.round(lineHeight * 0.28))
  return { fontSize, lineHeight, padding, bandTop, baselines }
}

/** "2026-03-07 09:05" on the phone's clock (shown on the photo, never used for ordering). */
export function formatStampTime(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}
