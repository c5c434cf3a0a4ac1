import { migrateDown, migrateUp, migrationStatus, type MigrationTarget } from '../../db/migrate.js';
import { list, print, printJson, table } from '../output.js';
import { resolveConfig, storeFlags, withConfigFlags, type Command } from '../options.js';
import { forEachDatabase } from '../databases.js';

type Action = 'up' | 'down' | 'status';

interface MigrateResult {
  module: string;
  /** Where the module's data is: its SQLite file, or its PostgreSQL schema. */
  database: string;
  applied?: string[];
  pending?: string[];
  rolledBack?: string[];
}

/** `cleave migrate [up|down|status]`: each selected module's migrations. */
export const migrateCommand: Command = {
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
    const results = await forEachDatabase(config, selected, async ({ name, db, definition, where }) => ({
      ...(await run(action, { module: name, db, folder: definition.migrations })),
      database: where,
    }));
    if (argv.json) return printJson(results);
    if (action === 'status') {
      const rows = results.map((r) => [r.module, String(r.applied!.length), list(r.pending!), r.database]);
      return print(...table(rows, ['MODULE', 'APPLIED', 'PENDING', 'DATABASE']));
    }
    for (const result of results) print(`${result.module}: ${describeChange(result)} in ${result.database}`);
  },
};

async function run(action: Action, target: MigrationTarget): Promise<Omit<MigrateResult, 'database'>> {
  if (action === 'status') return migrationStatus(target);
  if (action === 'up') return { module: target.module, applied: await migrateUp(target) };
  return { module: target.module, rolledBack: await migrateDown(target) };
}

function describeChange({ applied, rolledBack }: Omit<MigrateResult, 'database'>): string {
  if (applied) return applied.length ? `applied ${applied.join(', ')}` : 'up to date';
  return rolledBack!.length ? `rolled back ${rolledBack!.join(', ')}` : 'nothing to roll back';
}
