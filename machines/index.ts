/**
 * The statechart alone, for those who wire it themselves:
 * `sessionMachine.provide({ actions })` supplies the effects, `createActor` runs it.
 */
export { sessionMachine } from './session.machine.js'
export type {
  EndReason,
  RefreshFailureCode,
  SessionContext,
  SessionEmitted,
  SessionEvent,
  SessionInput,
  TokenMetadata,
} from './session.types.js'
