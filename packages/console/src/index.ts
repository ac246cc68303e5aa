export { hashPassword, hashToken, isPasswordHash, verifyPassword } from './passwords.js';
export { type ConsoleOptions, type ReviewConsole, startConsole } from './server.js';
export type { ConsoleUser, SessionOptions } from './sessions.js';
