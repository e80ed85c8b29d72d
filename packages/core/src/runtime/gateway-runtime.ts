import type { Authenticator } from '../auth/authenticator.js';
import type { WholeCallRuntime } from '../follow-up/whole-call-runtime.js';
import { ResilienceServices } from '../resilience/resilience-services.js';
import type { RoutingTable } from '../routing/routing-table.js';
import type { Target } from '../targets/target.js';
import type { UpstreamAgents } from '../targets/upstream-agents.js';

/**
 * One generation of compiled config. A request keeps the generation it started with, so a reload
 * never changes the rules under a hook in flight. It keeps only what it compiled, not the loaded file:
 * with 10,000 tenants the file's text and its parsed tree are ~20 MB of heap nobody reads after start-up.
 */
export class GatewayRuntime {
  constructor(
    readonly generation: number,
    readonly routes: RoutingTable,
    readonly authenticator: Authenticator,
    private readonly targets: readonly Target[],
    private readonly agents: UpstreamAgents,
    /** Route tokens, hook rewriting, signature policies and status sinks of this generation. */
    readonly wholeCall: WholeCallRuntime,
    /** Breakers, answer cache and their events (`resilience.events` is what metrics subscribe to). */
    readonly resilience: ResilienceServices = new ResilienceServices(),
    private readonly ownsResilience = true,
  ) {}

  async dispose(): Promise<void> {
    await Promise.allSettled(this.targets.map((target) => target.dispose()));
    this.agents.destroy();
    if (this.ownsResilience) this.resilience.shutdown();
  }
}
