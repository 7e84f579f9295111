/**
 * Whether this replica may act now: write the state of portals and send alerts. The leadership
 * grants it for as long as the lease is proven (the last renewal plus its time to live, less a
 * margin) and revokes it when stepping down; the check loop and the outbox ask it before every
 * write and every send. A replica that was paused past its lease, or cut off from the store, finds
 * its grant expired by its own clock and acts on nothing, even before it learns who leads now.
 */
export interface Fence {
  /** True while the grant holds. */
  valid(): boolean;
  /** Throws {@link FencedError} unless the grant holds. */
  assert(what: string): void;
  /** The lease epoch the grant belongs to (changes with every new leader), or null without a grant. */
  epoch(): number | null;
}

export interface FenceControl extends Fence {
  grant(until: number, epoch: number): void;
  revoke(): void;
  /** When the grant ends (epoch ms), or null without one. */
  until(): number | null;
}

/** Thrown where acting would need a lease this replica can no longer prove. */
export class FencedError extends Error {
  override name = 'FencedError';
}

export function createFence(now: () => number = Date.now): FenceControl {
  let grant: { until: number; epoch: number } | null = null;
  const valid = () => grant !== null && now() < grant.until;
  return {
    valid,
    assert(what) {
      if (!valid()) throw new FencedError(`not acting: ${what} needs the lease, which this replica can no longer prove`);
    },
    epoch: () => (valid() ? grant!.epoch : null),
    grant(until, epoch) {
      grant = { until, epoch };
    },
    revoke() {
      grant = null;
    },
    until: () => grant?.until ?? null,
  };
}
