import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  test: { name: 'banking', include: ['test/**/*.test.ts'] },
});
