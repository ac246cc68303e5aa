import { tollgateProject } from '../../vitest.project.js';

// Browser tests start Chromium and other processes: run the files one after another on a busy 2-core machine.
export default tollgateProject('console', { fileParallelism: false, testTimeout: 120_000 });
