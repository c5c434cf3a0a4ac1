import test from 'ava';
import type { ModuleDefinition } from '../../../src/index.js';
import { startTestHost, type TestHost } from '../../../test/support/host.js';
import identity from '../index.js';
import { identityApi } from './http.js';

/** Identity as the host takes it: a typed definition does not widen to `ModuleDefinition` on its own. */
export const identityModule: ModuleDefinition = identity;

/** One identity host shared by the tests of a file: started before them, stopped after. Read it inside a test. */
export function identityHostForFile(): { readonly host: TestHost; readonly api: ReturnType<typeof identityApi> } {
  let host: TestHost | undefined;
  test.before(async () => {
    host = await startTestHost({ modules: [identityModule] });
  });
  test.after.always(async () => {
    await host?.stop();
  });
  return {
    get host() {
      return host!;
    },
    get api() {
      return identityApi(host!.url);
    },
  };
}
