import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * One keep-alive agent per upstream origin, shared by every upstream that points at it, so that a
 * tenant with ten applications on one backend keeps one warm connection pool.
 */
export class UpstreamAgents {
  private readonly agents = new Map<string, HttpAgent>();

  forOrigin(url: URL): HttpAgent {
    const origin = url.origin;
    let agent = this.agents.get(origin);
    if (!agent) {
      const options = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 256, maxFreeSockets: 32, scheduling: 'lifo' as const };
      agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
      this.agents.set(origin, agent);
    }
    return agent;
  }

  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
