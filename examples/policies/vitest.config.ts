import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  test: { name: 'policies', include: ['test/**/*.test.ts'] },
});
