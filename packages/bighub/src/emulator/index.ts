export { API_KEY_SCOPES } from './accounts.js';
export {
  EMULATOR_ENDPOINTS,
  type EmulatorEndpoint,
  type EmulatorRules,
  type EndpointFault,
  type ResponseGeneration,
} from './config.js';
export { EVENT_TYPES } from './core.js';
export type { EmulatedAction } from './decide.js';
export { type BighubEmulator, type EmulatorOptions, startBighubEmulator } from './server.js';
export type {
  EmulatedApproval,
  EmulatorState,
  ReceivedRequest,
  RecordedAction,
  StoredMemoryEvent,
} from './state.js';
