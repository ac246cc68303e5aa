import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  test: { name: 'refund', include: ['test/**/*.test.ts'] },
});
