import { mergeConfig } from 'vitest/config';
import { tollgateProject } from '../../vitest.project.js';

// eventsource-parser (under the SDK's HTTP client) publishes a `source` export condition that points at its
// TypeScript, and the workspace resolves with `source`: vite must transform the SDK and it rather than hand them
// to Node. (logLevel: the SDK's published source maps name sources it does not ship.)
export default mergeConfig(
  tollgateProject('mcp', { server: { deps: { inline: [/@modelcontextprotocol\/sdk/, /eventsource-parser/] } } }),
  {
    logLevel: 'error',
  },
);
