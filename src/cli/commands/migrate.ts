import { migrateDown, migrateUp, migrationStatus, type MigrationTarget } from '../../db/migrate.js';
import { list, print, printJson, table } from '../output.js';
import { resolveConfig, storeFlags, withConfigFlags, type Command } from '../options.js';
import { forEachDatabase } from '../databases.js';

type Action = 'up' | 'down' | 'status';

interface MigrateResult {
  module: string;
  applied?: string[];
  pending?: string[];
  rolledBack?: string[];
}

/** `cleave migrate [up|down|status]`: each selected module's migrations. */
export const migrateCommand: Command = {
  command: 'migrate [action]',
  describe: "Apply, roll back or show the selected modules' migrations",
  builder: (yargs) =>
    withConfigFlags(yargs, storeFlags)
      .positional('action', {
        choices: ['up', 'down', 'status'] as const,
        default: 'status' as const,
        describe: 'up applies pending migrations, down rolls back the last batch, status lists them',
      })
      .option('json', { type: 'boolean', describe: 'Print JSON' }),
  handler: async (argv) => {
    const { config, selected } = await resolveConfig(argv);
    const action = argv.action as Action;
    const results = await forEachDatabase(config, selected, ({ name, db, definition }) =>
      run(action, { module: name, db, folder: definition.migrations }),
    );
    if (argv.json) return printJson(results);
    if (action === 'status') {
      const rows = results.map((r) => [r.module, String(r.applied!.length), list(r.pending!)]);
      return print(...table(rows, ['MODULE', 'APPLIED', 'PENDING']));
    }
    for (const result of results) print(`${result.module}: ${describeChange(result)}`);
  },
};

async function run(action: Action, target: MigrationTarget): Promise<MigrateResult> {
  if (action === 'status') return migrationStatus(target);
  if (action === 'up') return { module: target.module, applied: await migrateUp(target) };
  return { module: target.module, rolledBack: await migrateDown(target) };
}

function describeChange({ applied, rolledBack }: MigrateResult): string {
  if (applied) return applied.length ? `applied ${applied.join(', ')}` : 'up to date';
  return rolledBack!.length ? `rolled back ${rolledBack!.join(', ')}` : 'nothing to roll back';
}
