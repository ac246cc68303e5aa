export { type BighubAgent, type BighubAgentOptions, type BighubConnection, createBighubAgent } from './agent.js';
