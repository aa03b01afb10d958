/**
 * The `s3batch` command line: `serve` runs the all-in-one server (what `npm start` runs); `jobs …`
 * creates, follows and steers jobs over the public APIs. Exit codes: 0 success, 1 error, 2 usage
 * error, and for a watched job 3 Complete with failed tasks, 4 Failed, 5 Cancelled (cli/errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../app/version.js';
import { EXIT } from './errors.js';
import { jobsProgram } from './jobs/program.js';
import { addMigrateCommand } from './migrate.js';
import { addServeCommand } from './serve.js';
import { addWorkerCommand } from './worker.js';

let exitCode: number = EXIT.ok;
const program = new Command();
program
  .name('s3batch')
  .description('S3 Batch Operations that anyone can run')
  .version(VERSION)
  .exitOverride()
  .showSuggestionAfterError()
  .addHelpText(
    'after',
    `
Examples:
  s3batch serve                                   the server on http://127.0.0.1:9090
  s3batch worker                                  another node of a PostgreSQL cluster: the engine alone
  s3batch migrate                                 bring the job store schema up to date
  s3batch jobs create --objects list.txt --tag project=blue --watch
  s3batch jobs ls
  s3batch jobs report <job-id>
Run \`s3batch jobs --help\` or \`s3batch jobs <command> --help\` for each command's flags.`,
  );
addServeCommand(program);
addWorkerCommand(program);
addMigrateCommand(program);
const jobs = jobsProgram((code) => {
  exitCode = code;
});
program.addCommand(jobs);
// Usage errors (unknown flags, missing arguments) exit 2, in every sub-command too.
for (const cmd of [jobs, ...jobs.commands]) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
  process.exitCode = exitCode;
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version are not errors.
    process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? EXIT.ok : EXIT.usage;
  } else {
    throw err;
  }
}
