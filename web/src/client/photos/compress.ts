/**
 * compressPhoto(): a camera file in, a ≤ 1600 px JPEG out. Uses a worker with
 * OffscreenCanvas when the engine has it, else the page's canvas.
 */
import type { ProcessedPhoto, ProcessOptions } from './process'
import { PhotoError } from './photoError'

interface Reply {
  id: number
  photo?: ProcessedPhoto
  error?: { code: PhotoError['code']; message: string }
}

let worker: Worker | null = null
let workerBroken = false
let nextId = 1
const pending = new Map<number, { resolve: (p: ProcessedPhoto) => void; reject: (e: Error) => void }>()

function offscreenJpegSupported(): boolean {
  return (
    typeof Worker !== 'undefined' &&
    typeof OffscreenCanvas !== 'undefined' &&
    typeof OffscreenCanvas.prototype.convertToBlob === 'function'
  )
}

function getWorker(): Worker | null {
  if (workerBroken || !offscreenJpegSupported()) return null
  if (worker) return worker
  try {
    worker = new Worker(new URL('./compress.worker.ts', import.meta.url), { type: 'module' })
  } catch {
    workerBroken = true
    return null
  }
  worker.onmessage = (event: MessageEvent<Reply>) => {
    const entry = pending.get(event.data.id)
    if (!entry) return
    pending.delete(event.data.id)
    if (event.data.photo) entry.resolve(event.data.photo)
    else entry.reject(new PhotoError(event.data.error?.code ?? 'encode', event.data.error?.message ?? '照片压缩失败'))
  }
  worker.onerror = () => {
    // The worker script failed (an old engine): fall back to the page for this and later photos.
    workerBroken = true
    worker?.terminate()
    worker = null
    for (const [id, entry] of pending) {
      pending.delete(id)
      entry.reject(new PhotoError('encode', 'worker failed'))
    }
  }
  return worker
}

function viaWorker(w: Worker, file: Blob, options: ProcessOptions): Promise<ProcessedPhoto> {
  const id = nextId++
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject })
    w.postMessage({ id, file, options })
  })
}

/** Compress one photo; rejects with PhotoError (its message is for the screen). */
export async function compressPhoto(file: Blob, options: ProcessOptions = {}): Promise<ProcessedPhoto> {
  const w = getWorker()
  if (w) {
    try {
      return await viaWorker(w, file, options)
    } catch (error) {
      // A photo that cannot be decoded fails on the page too; encoder trouble gets a second chance there.
      if (error instanceof PhotoError && error.code === 'decode') throw error
    }
  }
  // Only engines without OffscreenCanvas (or a broken worker) load the page-side code.
  const { processWithCanvas } = await import('./process')
  return processWithCanvas(file, options)
}
