import type { Route, RouteLookup } from './route.js';

export interface CompiledAccount {
  sid: string;
  /** Routes of the applications the config lists under this account. */
  applications: ReadonlyMap<string, Route>;
  /** For applications the config does not list: the account's target, else the global default. */
  defaultRoute?: Route;
}

/**
 * Maps (account_sid, application_sid) to a Route with two hash lookups, whatever the number of
 * tenants: everything is resolved when the config loads.
 */
export class RoutingTable {
  constructor(
    private readonly accounts: ReadonlyMap<string, CompiledAccount>,
    /** application_sid → the account that owns it, to refuse an application named under another account. */
    private readonly applicationOwners: ReadonlyMap<string, string>,
  ) {}

  get accountCount(): number {
    return this.accounts.size;
  }

  hasAccount(accountSid: string): boolean {
    return this.accounts.has(accountSid);
  }

  ownerOf(applicationSid: string): string | undefined {
    return this.applicationOwners.get(applicationSid);
  }

  lookup(accountSid: string, applicationSid: string): RouteLookup {
    const account = this.accounts.get(accountSid);
    if (!account) return { kind: 'unknown_account' };
    const route = account.applications.get(applicationSid);
    if (route) return { kind: 'route', route };
    const owner = this.applicationOwners.get(applicationSid);
    if (owner !== undefined && owner !== accountSid) return { kind: 'foreign_application' };
    return account.defaultRoute ? { kind: 'route', route: account.defaultRoute } : { kind: 'no_target' };
  }
}
