import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  test: { name: 'ops', include: ['test/**/*.test.ts'] },
});
