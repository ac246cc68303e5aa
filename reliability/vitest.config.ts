import { tollgateProject } from '../vitest.project.js';

export default tollgateProject('reliability', { execArgv: ['--expose-gc'], testTimeout: 120_000 });
