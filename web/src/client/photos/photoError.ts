/** Why a photo could not be compressed; `message` is for the screen (zh-CN). */
export class PhotoError extends Error {
  override readonly name = 'PhotoError'
  constructor(
    readonly code: 'decode' | 'encode' | 'not_jpeg',
    message: string,
  ) {
    super(message)
  }
}
