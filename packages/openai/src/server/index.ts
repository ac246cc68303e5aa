export { type ScriptedModel, type ScriptedModelOptions, startScriptedModel } from './scripted-model.js';
export type {
  RespondFunction,
  ScriptedApi,
  ScriptedError,
  ScriptedRequest,
  ScriptedToolCall,
  ScriptedToolOutput,
  ScriptedTurn,
} from './types.js';
