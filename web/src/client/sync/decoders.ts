/**
 * The decoders the sync engine's network step uses, in a module of its own:
 * transport.ts imports it on demand (so the start-up chunk does without it), and
 * naming them here keeps the rest of shared/protocol.ts out of that chunk.
 */
export { decodeMediaStatus, decodePullResponse, decodePushResponse, ProtocolDecodeError } from '../../shared/protocol'
