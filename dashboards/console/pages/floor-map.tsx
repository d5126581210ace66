import { signal } from '@preact/signals';
import { DEVICE_KIND_LABELS, DOOR_KIND_LABELS, SESSION_STATE_LABELS, ZONE_TYPE_LABELS } from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import { t } from '../messages.ts';
import { devices, personLabel, positions, sessions, trackingAvailable, venue } from '../store.ts';
import type { BoardSession, Device, Point, Position, Venue } from '../types.ts';
import { zoneName } from '../venue-labels.ts';

type Selection = { kind: 'zone' | 'door' | 'device' | 'person'; id: string } | null;
const selected = signal<Selection>(null);
const floorId = signal<string | null>(null);

const LIVE_STATES = ['scheduled', 'checkin-open', 'in-progress', 'suspended'];

/** The session a room shows today: the live one if any, else the latest. */
function sessionOfRoom(room: string): BoardSession | null {
  const inRoom = sessions.value.filter((s) => s.room === room);
  return inRoom.find((s) => LIVE_STATES.includes(s.state)) ?? inRoom.at(-1) ?? null;
}

/** The device that controls a door (gate or door controller), whose state says open/closed/fire-open. */
function doorDevice(doorId: string): Device | null {
  return devices.value.find((d) => d.door === doorId && (d.kind === 'door' || d.kind === 'gate')) ?? null;
}

function doorState(device: Device | null): 'open' | 'closed' | 'fire-open' | 'locked' | 'unknown' {
  const state = device?.state;
  if (!state) return 'unknown';
  if (state.mode === 'fire-open' || state.mode === 'locked') return state.mode;
  return state.open ? 'open' : 'closed';
}

const DOOR_STATE_LABEL = {
  open: () => t('doorOpen'),
  closed: () => t('doorClosed'),
  'fire-open': () => t('fireOpen'),
  locked: () => t('locked'),
  unknown: () => '—',
};

const health = (d: Device) => (!d.online ? 'bad' : d.malformed > 0 || d.lastError ? 'warn' : 'ok');

const centroid = (polygon: Point[]): Point => [
  polygon.reduce((s, p) => s + p[0], 0) / polygon.length,
  polygon.reduce((s, p) => s + p[1], 0) / polygon.length,
];

function FloorSvg({ venue: v, floor }: { venue: Venue; floor: Venue['floors'][number] }) {
  // Venue coordinates have y pointing north (up); SVG's y points down.
  const flip = (y: number) => floor.height - y;
  const zones = v.zones.filter((z) => z.floor === floor.id);
  // Draw big zones first so rooms sit on top of the evaluation zone.
  const ordered = [...zones].sort((a, b) => Number(Boolean(a.parent)) - Number(Boolean(b.parent)));
  // Everything on the map is a button: click or Enter shows its details.
  const pick = (kind: NonNullable<Selection>['kind'], id: string) => ({
    role: 'button' as const,
    // SVG attributes are case-sensitive: `tabIndex` would not make the element focusable.
    tabindex: 0,
    onClick: (e: Event) => {
      e.stopPropagation();
      selected.value = { kind, id };
    },
    onKeyDown: (e: KeyboardEvent) => {
      if (e.key === 'Enter') selected.value = { kind, id };
    },
  });
  const devicesById = new Map(devices.value.map((d) => [d.id, d]));
  return (
    <svg
      class="floor-map"
      viewBox={`-1 -1 ${floor.width + 2} ${floor.height + 2}`}
      preserveAspectRatio="xMidYMid meet"
      role="img"
      aria-label={floor.name}
    >
      {ordered.map((z) => {
        const session = z.type === 'evaluation-room' ? sessionOfRoom(z.id) : null;
        const [cx, cy] = centroid(z.polygon);
        // Rooms: name and state at the top, clear of the seats; other zones: in the middle.
        const labelY = z.seats?.length ? flip(Math.max(...z.polygon.map((p) => p[1]))) + 1.6 : flip(cy);
        return (
          <g
            key={z.id}
            class={`zone zone-${z.type}${session ? ` session-${session.state}` : ''}`}
            data-zone={z.id}
            {...pick('zone', z.id)}
          >
            <polygon points={z.polygon.map(([x, y]) => `${x},${flip(y)}`).join(' ')} />
            {z.type !== 'evaluation-zone' && (
              <text x={cx} y={labelY} class="zone-label">
                {zoneName(z.id)}
              </text>
            )}
            {session && (
              <text x={cx} y={labelY + 1.1} class="zone-state">
                {labelOf(SESSION_STATE_LABELS, session.state)} {session.progress.checkedIn}/{session.progress.total}
              </text>
            )}
            {(z.seats ?? []).map((s) => (
              <circle key={s.id} class="seat" cx={s.at[0]} cy={flip(s.at[1])} r={0.3} />
            ))}
          </g>
        );
      })}
      {v.doors
        .filter((d) => d.floor === floor.id)
        .map((d) => {
          const state = doorState(doorDevice(d.id));
          return (
            <rect
              key={d.id}
              class={`door door-${state}`}
              data-door={d.id}
              x={d.at[0] - 0.7}
              y={flip(d.at[1]) - 0.35}
              width={1.4}
              height={0.7}
              {...pick('door', d.id)}
            />
          );
        })}
      {v.devices
        .filter((d) => d.floor === floor.id && d.at)
        .map((d) => {
          const live = devicesById.get(d.id);
          return (
            <circle
              key={d.id}
              class={`device device-${live ? health(live) : 'bad'}`}
              data-device={d.id}
              cx={d.at![0]}
              cy={flip(d.at![1])}
              r={0.45}
              {...pick('device', d.id)}
            />
          );
        })}
      {positions.value
        .filter((p) => p.floor === floor.id)
        .map((p) => (
          <g
            key={p.badge}
            class={`person role-${p.role ?? 'unbound'}`}
            data-badge={p.badge}
            data-x={p.x}
            data-y={p.y}
            style={{ transform: `translate(${p.x}px, ${flip(p.y)}px)` }}
            {...pick('person', p.badge)}
          >
            <circle r={0.6} />
            <text y={-0.9} class="person-label">
              {p.person ? personLabel(p.person) : p.badge}
            </text>
          </g>
        ))}
    </svg>
  );
}

function Details({ selection, venue: v }: { selection: NonNullable<Selection>; venue: Venue }) {
  const rows: [string, string][] = [];
  let title = selection.id;
  if (selection.kind === 'zone') {
    const zone = v.zones.find((z) => z.id === selection.id)!;
    title = zoneName(zone.id);
    const session = sessionOfRoom(zone.id);
    const inside = positions.value.filter((p) => p.zone === zone.id || p.zones?.includes(zone.id)).length;
    rows.push([t('kind'), labelOf(ZONE_TYPE_LABELS, zone.type)], [t('people', { n: inside }), '']);
    if (session)
      rows.push(
        [t('session'), `${session.project.code} · ${session.project.name}`],
        [t('state'), labelOf(SESSION_STATE_LABELS, session.state)],
        [t('checkin'), `${session.progress.checkedIn}/${session.progress.total}`],
      );
  } else if (selection.kind === 'door') {
    const door = v.doors.find((d) => d.id === selection.id)!;
    const device = doorDevice(door.id);
    title = door.name;
    rows.push(
      [t('kind'), labelOf(DOOR_KIND_LABELS, door.kind)],
      [`${zoneName(door.from)} → ${zoneName(door.to)}`, ''],
      [t('state'), DOOR_STATE_LABEL[doorState(device)]()],
      [t('device'), device ? `${device.name} (${device.online ? t('online') : t('offline')})` : '—'],
    );
  } else if (selection.kind === 'device') {
    const device = devices.value.find((d) => d.id === selection.id);
    title = device?.name ?? selection.id;
    if (device)
      rows.push(
        [t('kind'), labelOf(DEVICE_KIND_LABELS, device.kind)],
        [t('state'), device.online ? t('online') : t('offline')],
        [t('lastSeen'), formatTime(device.lastSeen, 'datetime')],
        [t('malformed'), String(device.malformed)],
        [t('lastError'), device.lastError ?? '—'],
      );
  } else {
    const p: Position | undefined = positions.value.find((x) => x.badge === selection.id);
    title = p?.person ? personLabel(p.person) : selection.id;
    if (p)
      rows.push(
        [t('badge'), p.badge],
        [t('session'), p.session ?? '—'],
        [t('zone'), (p.zones ?? (p.zone ? [p.zone] : [])).map(zoneName).join(', ') || '—'],
        ['x, y', `${p.x.toFixed(1)}, ${p.y.toFixed(1)}`],
        [t('lastSeen'), formatTime(p.at)],
      );
  }
  return (
    <aside class="details" data-testid="map-details">
      <header>
        <h2>{title}</h2>
        <button type="button" class="link" onClick={() => (selected.value = null)}>
          {t('close')}
        </button>
      </header>
      <dl>{rows.flatMap(([k, val]) => [<dt key={`${k}-k`}>{k}</dt>, <dd key={`${k}-v`}>{val}</dd>])}</dl>
    </aside>
  );
}

export function FloorMapPage() {
  const v = venue.value;
  if (!v) return <p>{t('loading')}</p>;
  const floor = v.floors.find((f) => f.id === floorId.value) ?? v.floors[0]!;
  return (
    <section class="map-page">
      <div class="map-toolbar">
        {v.floors.length > 1 &&
          v.floors.map((f) => (
            <button key={f.id} type="button" class={f === floor ? 'active' : ''} onClick={() => (floorId.value = f.id)}>
              {f.name}
            </button>
          ))}
        <span class="legend">
          <span class="dot ok" /> {t('online')} <span class="dot bad" /> {t('offline')}
        </span>
        {trackingAvailable.value ? (
          <span data-testid="people-count">
            {t('people', { n: positions.value.filter((p) => p.floor === floor.id).length })}
          </span>
        ) : (
          <span class="warn">{t('trackingUnavailable')}</span>
        )}
      </div>
      <div class="map-body">
        <FloorSvg venue={v} floor={floor} />
        {selected.value && <Details selection={selected.value} venue={v} />}
      </div>
    </section>
  );
}
