import { tollgateProject } from '../../vitest.project.js';

export default tollgateProject('example-ai-sdk');
