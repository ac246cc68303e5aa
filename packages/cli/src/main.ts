import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { CliError, type CliIo, ExitCode, errorText } from './io.js';
import { TRACE_FORMATS } from './trace/read.js';

// Commands are imported when run: `replay` should not pay for loading json-schema-to-typescript and prettier.
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/**
 * Runs the `tollgate` command line. Writes to the injected streams and returns the exit code (see
 * {@link ExitCode}); it never calls `process.exit` and never throws, so tests run it in-process.
 * @param argv the arguments after the program name, e.g. `['replay', 'episodes.jsonl', '--policy', 'p.ts']`
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = ExitCode.ok;
  // A usage error is one line, as every other error: `tollgate: <what> (see tollgate <command> --help)`.
  const output = (command: string) => ({
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    outputError: (s: string) =>
      io.stderr.write(`tollgate: ${s.replace(/^error: /, '').trim()} (see ${command} --help)\n`),
  });
  const program = new Command('tollgate')
    .description(
      'Gate LLM tool calls: replay recorded traffic through a policy, verify audit files, type tool arguments.',
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput(output('tollgate'));

  program
    .command('replay')
    .configureOutput(output('tollgate replay'))
    .description('Replay recorded tool calls through a policy’s gates and summarize the decisions.')
    .argument('<episodes>', 'JSONL trace: tollgate format, AgentDojo episodes, or OpenAI chat transcripts')
    .requiredOption(
      '-p, --policy <module>',
      'policy module (.js/.mjs; .ts under tsx) whose default export is definePolicy(…)',
    )
    .addOption(new Option('-f, --format <format>', 'input format (default: detected)').choices(TRACE_FORMATS))
    .option('-t, --transcripts <file>', 'AgentDojo transcripts.jsonl with the recorded tool outputs')
    .option('--json', 'print the summary as JSON')
    .option('-o, --out <file>', 'write one JSON line per call with its decision')
    .option('--approve-all', 'stand-in reviewer: approve every approval and resume the call')
    .option('--deny-all', 'stand-in reviewer: deny every approval')
    .option('--step <ms>', 'replay clock step between calls that carry no time', '1000')
    .option('-g, --group-by <labels>', 'break the summary down by episode labels (e.g. suite, or suite,kind)')
    .option('--audit <file>', 'also record every call in a hash-chained JSONL audit file')
    .option('--compare <module...>', 'also replay with these policy modules and show them side by side')
    .action(async (episodes: string, options) => {
      const { replayCommand } = await import('./commands/replay.js');
      code = await replayCommand(episodes, options, io);
    });

  program
    .command('types')
    .configureOutput(output('tollgate types'))
    .description('Generate TypeScript argument interfaces (SendMoneyArgs…) from tool JSON Schemas.')
    .argument('<tools>', 'JSON file: Chat Completions or Responses function tools, or a { name: schema } map')
    .option('-o, --out <file>', 'write the declarations here (default: stdout)')
    .action(async (tools: string, options) => {
      const { typesCommand } = await import('./commands/types.js');
      code = await typesCommand(tools, options, io);
    });

  program
    .command('audit')
    .description('Work with audit files.')
    .command('verify')
    .configureOutput(output('tollgate audit verify'))
    .description('Verify a hash-chained JSONL audit file: exit 0 when intact, 1 naming the first bad record.')
    .argument('<file>', 'the audit file (written by @tollgate/audit’s JsonlFileSink)')
    .option('--anchor <seq:hash>', 'a head kept elsewhere (seq:sha256), to detect records cut off the end')
    .option('--public-key <pem...>', 'Ed25519 public keys of signed checkpoints: <file> or <key id>=<file>')
    .option('--checkpoints <file>', 'the signed checkpoints (default: <file>.checkpoints); needs --public-key')
    .option('--json', 'print the verification result as JSON')
    .action(async (file: string, options) => {
      const { auditVerifyCommand } = await import('./commands/audit-verify.js');
      code = await auditVerifyCommand(file, options, io);
    });

  program
    .command('bighub-emulator')
    .configureOutput(output('tollgate bighub-emulator'))
    .description('Start the local BIGHUB emulator and print its URL; Ctrl-C stops it.')
    .option('--port <n>', 'port to listen on (default: any free port)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--rules <file>', 'JSON rules: maxValue, requireApprovalAbove, blockedActions, killSwitch, …')
    .option('--api-key <key>', 'require this API key on every request')
    .action(async (options) => {
      const { bighubEmulatorCommand } = await import('./commands/bighub-emulator.js');
      code = await bighubEmulatorCommand(options, io);
    });

  const review = program
    .command('console')
    .description('Start the review console: pending approvals, approve or deny, history and audit trails.')
    .option('-p, --policy <module>', 'policy module (definePolicy): the gates a changed call passes again')
    .option('--redis <url>', 'the Redis the agents keep approvals in (default: this process only)')
    .option('--prefix <prefix>', 'key prefix of the approval store', undefined)
    .option('--users <file>', 'JSON: [{ "name", "passwordHash" | "tokenHash" }] (default: a one-time token)')
    .option('--audit <file...>', 'audit files to show (the agents’)')
    .option('--audit-out <file>', 'where decisions are recorded', 'tollgate-console-audit.jsonl')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', '8787')
    .option('--public-url <url>', 'the URL reviewers use, behind a proxy')
    .option('--webhook <url...>', 'POST signed approval events here (secret: TOLLGATE_WEBHOOK_SECRET)')
    .option('--poll-ms <ms>', 'how often the store is checked for changes', '1000')
    .action(async (options) => {
      const { consoleCommand } = await import('./commands/console.js');
      code = await consoleCommand(options, io);
    });
  review
    .command('hash-password')
    .description('Read a password on stdin and print its scrypt hash for --users.')
    .action(async () => {
      const { hashPasswordCommand } = await import('./commands/console.js');
      code = await hashPasswordCommand(io);
    });

  program
    .command('mcp-proxy')
    .description('Gate an MCP server: start it and serve its tools, through the policy, on stdio (or --listen).')
    .requiredOption('-p, --policy <module>', 'policy module whose default export is defineMcpPolicy(…)')
    .option('--listen <host:port>', 'serve Streamable HTTP on this address instead of stdio (e.g. 127.0.0.1:8931)')
    .option('--name <name>', "the server's name on its tools and approvals (default: the name it gives itself)")
    .option('--timeout-ms <ms>', 'how long a tool call may wait for the server (default 60000)')
    .argument('<command>', 'the program that starts the MCP server (after --)')
    .argument('[args...]', 'its arguments')
    .action(async (command: string, args: string[], options) => {
      const { mcpProxyCommand } = await import('./commands/mcp-proxy.js');
      code = await mcpProxyCommand(command, args, options, io);
    });

  program
    .command('approvals')
    .description("List, approve or deny the approvals waiting in a policy's store (memory: a running mcp-proxy's).")
    .addArgument(new Argument('<action>', 'what to do').choices(['list', 'approve', 'deny']))
    .argument('[id]', 'the approval (apr_…), for approve and deny')
    .requiredOption('-p, --policy <module>', 'the policy module whose approval store to use')
    .option('--by <who>', 'who decides (default: your user name)')
    .option('--comment <text>', 'why')
    .option('--json', 'list: print JSON')
    .action(async (action: 'list' | 'approve' | 'deny', id: string | undefined, options) => {
      const { approvalsCommand } = await import('./commands/approvals.js');
      code = await approvalsCommand(action, id, options, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (err instanceof CliError) {
      io.stderr.write(`tollgate: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(
      `tollgate: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : errorText(err)}\n`,
    );
    return ExitCode.failed;
  }
}
