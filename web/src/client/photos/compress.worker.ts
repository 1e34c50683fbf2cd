/** Photo compression off the main thread, so taps keep answering while a 12 MP photo is decoded. */
import { PhotoError, processWithOffscreen, type ProcessOptions } from './process'

interface Request {
  id: number
  file: Blob
  options: ProcessOptions
}

self.onmessage = async (event: MessageEvent<Request>) => {
  const { id, file, options } = event.data
  try {
    const photo = await processWithOffscreen(file, options)
    ;(self as unknown as Worker).postMessage({ id, photo }, [photo.bytes])
  } catch (error) {
    const code = error instanceof PhotoError ? error.code : 'encode'
    const message = error instanceof Error ? error.message : String(error)
    ;(self as unknown as Worker).postMessage({ id, error: { code, message } })
  }
}
