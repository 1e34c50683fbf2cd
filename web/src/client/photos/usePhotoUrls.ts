/**
 * Object URLs for photos kept on the phone, by SHA-256; revoked when the
 * component goes away (cheap phones run out of memory otherwise).
 */
import { onBeforeUnmount, reactive } from 'vue'

import { photoBytes } from '../sync'

export function usePhotoUrls() {
  const urls = reactive(new Map<string, string | null>())

  async function load(sha256: string): Promise<void> {
    if (urls.has(sha256)) return
    urls.set(sha256, null)
    try {
      const photo = await photoBytes(sha256)
      if (!photo) return
      urls.set(sha256, URL.createObjectURL(new Blob([photo.bytes], { type: photo.mime })))
    } catch (error) {
      console.error('Reading a photo failed', error)
    }
  }

  function ensure(hashes: readonly string[]): void {
    for (const sha256 of hashes) void load(sha256)
  }

  function forget(sha256: string): void {
    const url = urls.get(sha256)
    if (url) URL.revokeObjectURL(url)
    urls.delete(sha256)
  }

  onBeforeUnmount(() => {
    for (const url of urls.values()) if (url) URL.revokeObjectURL(url)
    urls.clear()
  })

  return { urls, ensure, forget }
}
