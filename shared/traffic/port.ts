import type { FrontDoorTarget, RoutingChange, RoutingSnapshot, TrafficTarget } from './contracts';

/** A Front Door endpoint (`afdEndpoints`) and the origin groups its routes send traffic to. */
export interface FrontDoorEndpoint {
  name: string;
  /** `{endpoint}-{hash}.z01.azurefd.net` in Azure (the local emulator's carries a port). */
  hostName: string;
  enabled: boolean;
  /** Its enabled routes: the origin group each sends to, and the paths it matches (`/*`, `/api/*`, `/x`). */
  routes: { originGroup: string; patternsToMatch: string[] }[];
}

/**
 * The I/O a traffic switch needs, as a port: read a profile's routing, send one change. The real
 * implementation is ./client.ts (`@azure/arm-cdn`, `@azure/arm-trafficmanager`, loaded on first
 * use); tests run it against the ARM emulator (local/arm/resources/cdn, .../network).
 */
export interface TrafficRouting {
  /** Every origin of the target's group (Front Door) or every endpoint of its type (Traffic Manager). */
  read(target: TrafficTarget, now: Date): Promise<RoutingSnapshot>;
  /**
   * Sends one change. Front Door: the long-running PATCH is begun (accepted), not awaited: the
   * caller reads back and waits on durable timers. Traffic Manager: the PATCH is synchronous.
   */
  apply(target: TrafficTarget, change: RoutingChange): Promise<void>;
  /** The profile's endpoints and the origin groups their routes serve (the public side of a Front Door). */
  frontDoorEndpoints(target: FrontDoorTarget): Promise<FrontDoorEndpoint[]>;
}
