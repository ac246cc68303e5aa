import { defineConfig } from 'vitest/config';

// vitest 4 ignores vitest.workspace.ts; projects must be listed here.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts', 'reliability/vitest.config.ts'],
  },
});
