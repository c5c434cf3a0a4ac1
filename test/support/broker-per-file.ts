import test from 'ava';
import { mosquittoAvailable, startMosquitto, type Mosquitto } from './mosquitto.js';

/**
 * One broker shared by the tests of a file: started before them and stopped after. When mosquitto is not
 * installed (outside CI), `available` is false and a one-line notice says what was skipped.
 */
export function mosquittoForFile(what: string): { available: boolean; readonly url: string; readonly port: number } {
  if (!mosquittoAvailable()) {
    console.log(`${what} skipped: install mosquitto`);
    return { available: false, url: '', port: 0 };
  }
  let broker: Mosquitto | undefined;
  test.before(async () => {
    broker = await startMosquitto();
  });
  test.after.always(async () => {
    await broker?.stop();
  });
  return {
    available: true,
    get url() {
      return broker!.url;
    },
    get port() {
      return broker!.port;
    },
  };
}
