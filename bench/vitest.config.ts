import { defineProject } from 'vitest/config';

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  test: { name: 'bench', include: ['test/**/*.test.ts'] },
});
