/**
 * Decode, orient, resize, stamp and re-encode one photo as JPEG. Runs in the
 * worker (OffscreenCanvas) or, where a browser lacks that, on the page.
 *
 * Re-encoding strips EXIF, so orientation is applied while decoding
 * (imageOrientation: 'from-image'); the position is kept as data, never read
 * from the photo.
 */
import { PhotoError } from './photoError'
import { fitWithin, JPEG_QUALITY, MAX_EDGE, watermarkLayout, type Size } from './resize'

export { PhotoError }

export interface ProcessOptions {
  maxEdge?: number
  quality?: number
  /** Lines to stamp into the pixels; none → no watermark. */
  watermark?: string[]
}

export interface ProcessedPhoto {
  bytes: ArrayBuffer
  mime: 'image/jpeg'
  width: number
  height: number
}

type Context2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D

function drawWatermark(ctx: Context2D, size: Size, lines: string[]): void {
  const layout = watermarkLayout(size, lines.length)
  ctx.fillStyle = 'rgba(0, 0, 0, 0.45)'
  ctx.fillRect(0, layout.bandTop, size.width, size.height - layout.bandTop)
  ctx.font = `${layout.fontSize}px "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif`
  ctx.fillStyle = '#fff'
  ctx.textBaseline = 'alphabetic'
  lines.forEach((line, i) => ctx.fillText(line, layout.padding, layout.baselines[i]!, size.width - 2 * layout.padding))
}

async function decode(source: Blob): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(source, { imageOrientation: 'from-image' })
  } catch {
    throw new PhotoError('decode', '无法读取这张照片，请重新拍摄')
  }
}

function render(ctx: Context2D, bitmap: ImageBitmap, size: Size, watermark: string[] | undefined): void {
  ctx.imageSmoothingEnabled = true
  ctx.imageSmoothingQuality = 'high'
  ctx.drawImage(bitmap, 0, 0, size.width, size.height)
  if (watermark && watermark.length > 0) drawWatermark(ctx, size, watermark)
}

function checked(blob: Blob | null): Blob {
  if (!blob) throw new PhotoError('encode', '照片压缩失败，请重试')
  // Some engines ignore an unsupported type and hand back PNG: never store that.
  if (blob.type !== 'image/jpeg') throw new PhotoError('not_jpeg', '此浏览器无法生成 JPEG 照片，请更换浏览器')
  return blob
}

/** With OffscreenCanvas (workers; Chrome 69+, Safari 16.4+). */
export async function processWithOffscreen(source: Blob, options: ProcessOptions = {}): Promise<ProcessedPhoto> {
  const bitmap = await decode(source)
  try {
    const size = fitWithin(bitmap.width, bitmap.height, options.maxEdge ?? MAX_EDGE)
    const canvas = new OffscreenCanvas(size.width, size.height)
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new PhotoError('encode', '照片压缩失败，请重试')
    render(ctx, bitmap, size, options.watermark)
    const blob = checked(await canvas.convertToBlob({ type: 'image/jpeg', quality: options.quality ?? JPEG_QUALITY }))
    return { bytes: await blob.arrayBuffer(), mime: 'image/jpeg', ...size }
  } finally {
    bitmap.close()
  }
}

/** On the page with a <canvas> (fallback for engines without OffscreenCanvas). */
export async function processWithCanvas(source: Blob, options: ProcessOptions = {}): Promise<ProcessedPhoto> {
  const bitmap = await decode(source)
  try {
    const size = fitWithin(bitmap.width, bitmap.height, options.maxEdge ?? MAX_EDGE)
    const canvas = document.createElement('canvas')
    canvas.width = size.width
    canvas.height = size.height
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new PhotoError('encode', '照片压缩失败，请重试')
    render(ctx, bitmap, size, options.watermark)
    const blob = checked(
      await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', options.quality ?? JPEG_QUALITY)),
    )
    // Release the canvas memory at once: cheap phones have little of it.
    canvas.width = canvas.height = 0
    return { bytes: await blob.arrayBuffer(), mime: 'image/jpeg', ...size }
  } finally {
    bitmap.close()
  }
}
