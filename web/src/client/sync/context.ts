/** What one sync run works with: who, on which device, with which token. */
export interface SyncContext {
  token: string
  userId: string
  orgUnitId: string
  deviceId: string
  /** Report progress of the current phase. */
  progress(done: number, total: number): void
  /** The server's verdict on the phone's clock (from any push or pull answer). */
  clockSkew(warning: boolean): void
}
