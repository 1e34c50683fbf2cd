/**
 * The sync protocol's version and limits (see ./protocol.ts, which re-exports
 * them). Kept apart from the decoders so the start-up path can use them without
 * loading the decoders, which the sync engine's network step imports on demand.
 */
export const PROTOCOL_VERSION = '1.0'
export const PROTOCOL_MAJOR = 1
export const MAX_BATCH = 500
export const MAX_PULL_LIMIT = 1000
export const CLOCK_SKEW_WARNING_SECONDS = 300
