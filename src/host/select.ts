import { ConfigError } from '../config/load.js';
import type { ModuleDefinition } from '../kernel/module.js';

/**
 * The modules named by config `modules` (`*` for all, `none` for a bare gateway), in the build's order;
 * an unknown name is a config error.
 */
export function selectModules(all: ModuleDefinition[], names: string[]): ModuleDefinition[] {
  if (names.includes('*')) return all;
  if (names.includes('none')) return [];
  const known = new Map(all.map((m) => [m.contract.name, m]));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length) {
    throw new ConfigError(
      `config key "modules" names unknown module${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}: known modules are ${[...known.keys()].join(', ')}`,
    );
  }
  return all.filter((m) => names.includes(m.contract.name));
}
