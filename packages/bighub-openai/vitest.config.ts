import { defineProject } from 'vitest/config';

export default defineProject({
  // Resolve workspace packages to their TypeScript source, so tests need no build step.
  ssr: { resolve: { conditions: ['source'] } },
  test: { name: 'bighub-openai', include: ['test/**/*.test.ts'] },
});
