import { defineProject, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The settings every package's tests share. Workspace packages resolve to their TypeScript source, so tests need
 * no build step. The timeouts are budgets for a loaded 2-core CI machine, where a test that starts a process or
 * runs a property over thousands of inputs can take many times its quiet-machine duration; no test asserts a
 * wall-clock time.
 */
export function tollgateProject(name: string, test: TestProjectInlineConfiguration['test'] = {}) {
  return defineProject({
    ssr: { resolve: { conditions: ['@tollgate/source'] } },
    test: { name, include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000, ...test },
  });
}

/**
 * {@link tollgateProject} for packages whose tests load `@modelcontextprotocol/sdk`. Its HTTP client imports
 * eventsource-parser, which publishes a `source` export condition pointing at TypeScript; since the workspace
 * resolves with `source`, vite must transform the SDK and it rather than hand them to Node. Their published
 * source maps name files they do not ship, hence `logLevel: 'error'`.
 */
export function mcpSdkProject(name: string) {
  const project = tollgateProject(name, {
    server: { deps: { inline: [/@modelcontextprotocol\/sdk/, /eventsource-parser/] } },
  });
  return { ...project, logLevel: 'error' as const };
}
