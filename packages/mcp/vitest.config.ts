import { mcpSdkProject } from '../../vitest.project.js';

export default mcpSdkProject('mcp');
