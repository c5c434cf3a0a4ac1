import type { Principal } from '../bus/envelope.js';
import type { Client, Contract, InputOf, OutputOf, Role } from '../contract/contract.js';
import type { Html } from './html.js';

/**
 * What a module shows on the dashboard (`/dashboard` of every host with HTTP): panels it renders as HTML with
 * the kernel's `html` helper, by calling its own queries with the signed-in user's principal, so every
 * operation's own `access` still decides what that user may read or do.
 */

/** What a panel's render and actions get: the signed-in user, a client acting as them, the page's parameters. */
export interface PanelView {
  /** The signed-in user. */
  principal: Principal;
  /** A client of any module whose calls carry the user's principal (the operations' own access applies). */
  client<D extends Contract>(contract: D): Client<D>;
  /** The dashboard page's query parameters, e.g. `device` once a device was picked. */
  params: Readonly<Record<string, string>>;
  /** True when the user's role ranks at least `role`. */
  allows(role: Role): boolean;
  /** The URL a form POSTs to for this panel's action `name`: put it in `hx-post`. */
  actionUrl(name: string): string;
  /** A link to the dashboard page with `params` as its query. */
  link(params: Record<string, string>): string;
}

/** A change a panel offers (a form posting to `view.actionUrl(name)`); the panel is rendered again after it. */
export interface PanelAction {
  /** Least role allowed; the kernel refuses others with 403 before `run` is called. */
  access: Role;
  /** Carries out the action with the posted form fields; throwing a CleaveError shows its message to the user. */
  run(form: Readonly<Record<string, string>>, view: PanelView): Promise<void>;
}

/** One panel of a module on the dashboard, refreshed every few seconds. */
export interface Panel {
  /** Unique within the module: `[a-z][a-z0-9-]*`. */
  id: string;
  title: string;
  /** Least role that sees the panel; default `viewer`. */
  access?: Role;
  /**
   * The panel's HTML. The page swaps every panel each few seconds and gives keyboard focus back to the element
   * with the same `id`, so each link, button or field carries an id that stays the same across refreshes and is
   * unique on the page (start it with the module's name).
   */
  render(view: PanelView): Promise<Html>;
  actions?: Record<string, PanelAction>;
}

/** The operations of `C` that exchange an e-mail and password for an access token. */
export type LoginOperation<C extends Contract> = {
  [K in keyof C['operations'] & string]: { email: string; password: string; address?: string } extends InputOf<C, K>
    ? OutputOf<C, K> extends { token: string; expiresAt: string }
      ? K
      : never
    : never;
}[keyof C['operations'] & string];

/** A module's part of the dashboard. */
export interface DashboardDeclaration<C extends Contract = Contract> {
  /**
   * The operation the dashboard's sign-in form calls (access `public`): input `{ email, password, address }`,
   * output `{ token, expiresAt }`. One module of a build declares it.
   */
  login?: LoginOperation<C>;
  panels?: Panel[];
}

const panelId = /^[a-z][a-z0-9-]{0,63}$/;

/** Throws when a module's dashboard declaration names no operation of its contract or has a malformed panel. */
export function checkDashboard(contract: Contract, dashboard: DashboardDeclaration | undefined): void {
  if (!dashboard) return;
  const module = contract.name;
  const login = dashboard.login as string | undefined;
  if (login !== undefined && contract.operations[login]?.access !== 'public') {
    throw new Error(`module "${module}": dashboard login names "${login}", which is not a public operation of its contract`);
  }
  const seen = new Set<string>();
  for (const panel of dashboard.panels ?? []) {
    if (!panelId.test(panel.id)) throw new Error(`module "${module}": dashboard panel id "${panel.id}" must match ${panelId.source}`);
    if (seen.has(panel.id)) throw new Error(`module "${module}": two dashboard panels have the id "${panel.id}"`);
    seen.add(panel.id);
  }
}
