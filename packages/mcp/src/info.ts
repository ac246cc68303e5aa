import { readFileSync } from 'node:fs';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

/** How this package introduces itself to MCP peers when not told otherwise. */
export const PACKAGE_INFO: Implementation = { name: pkg.name, version: pkg.version };
