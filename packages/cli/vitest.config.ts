import { mergeConfig } from 'vitest/config';
import { tollgateProject } from '../../vitest.project.js';

// As in packages/mcp: the SDK's HTTP client imports eventsource-parser, whose `source` export condition points at
// TypeScript, so vite transforms both instead of handing them to Node (logLevel: their source maps are partial).
export default mergeConfig(
  tollgateProject('cli', { server: { deps: { inline: [/@modelcontextprotocol\/sdk/, /eventsource-parser/] } } }),
  { logLevel: 'error' },
);
