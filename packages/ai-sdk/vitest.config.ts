import { tollgateProject } from '../../vitest.project.js';

export default tollgateProject('ai-sdk');
