import { ConfigError } from '../config/load.js';

/** A mistake in how the CLI was called (a bad flag, a missing command, a feature not in this build): exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The message of a missing sub-command; the CLI shows the command's help along with it. */
export function missingCommand(parent: string): string {
  return `${parent} needs a command`;
}

/** Whether a yargs failure message is a `missingCommand` one. */
export function isMissingCommand(message: string): boolean {
  return message.endsWith(' needs a command');
}

/** Rewrites yargs' `Unknown argument: a, b` to show which are options (`--a`); other messages are kept. */
export function describeUnknown(message: string, argv: string[]): string {
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (!match) return message;
  const flag = (name: string) => (name.length > 1 ? `--${name}` : `-${name}`);
  const given = (name: string) => argv.some((arg) => arg.split('=')[0] === flag(name));
  const names = match[1].split(', ').map((name) => (given(name) ? flag(name) : `"${name}"`));
  return `unknown argument${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
}

/** The process exit code for an error: 2 for bad usage or configuration, 1 for a failure at run time. */
export function exitCodeOf(error: unknown): 1 | 2 {
  if (error instanceof UsageError || error instanceof ConfigError) return 2;
  return error instanceof Error && error.name === 'YError' ? 2 : 1;
}

/** Prints `cleave: <message>` on one line of stderr; the stack follows only when `verbose`. */
export function printError(error: unknown, verbose: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`cleave: ${message.trim().replace(/:\s*\n\s*/g, ': ').replace(/\s*\n\s*/g, '; ')}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
}

/** Writes lines of text to stdout. */
export function print(...lines: string[]): void {
  process.stdout.write(lines.map((line) => `${line}\n`).join(''));
}

/** Writes a value as pretty JSON to stdout. */
export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** Lays out rows (under headers, if given) in aligned columns; the last column is never padded. */
export function table(rows: string[][], headers?: string[]): string[] {
  const all = headers ? [headers, ...rows] : rows;
  const widths = (all[0] ?? []).map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd(),
  );
}

/** A list for a table cell: comma-separated, or `none`. */
export function list(items: string[]): string {
  return items.length ? items.join(', ') : 'none';
}
