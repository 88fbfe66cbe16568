/** Something went wrong that the session survived; nothing was lost, but you may want to know. */
export interface SessionWarning {
  code: 'STORAGE_FALLBACK' | 'STORAGE_DISCARDED' | 'REVOCATION_FAILED' | 'NAVIGATION_FAILED'
  message: string
  cause?: unknown
}
