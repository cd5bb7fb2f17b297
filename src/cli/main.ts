// The `keyroll` command: `npm run keyroll -- <command>`, `npx keyroll <command>` (bin/keyroll.mjs),
// or `tsx src/cli/main.ts <command>`. The only place the CLI touches process globals.
import { runCli } from './runCli.js';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
