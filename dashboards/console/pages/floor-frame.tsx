import type { ComponentChildren } from 'preact';
import type { Venue } from '../types.ts';

/** A floor's drawing area in venue metres (1 m margin), for the live map and the replay's map. */
export function FloorFrame({ floor, children }: { floor: Venue['floors'][number]; children: ComponentChildren }) {
  return (
    <svg
      class="floor-map"
      viewBox={`-1 -1 ${floor.width + 2} ${floor.height + 2}`}
      preserveAspectRatio="xMidYMid meet"
      role="img"
      aria-label={floor.name}
    >
      {children}
    </svg>
  );
}
