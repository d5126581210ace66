import { signal } from '@preact/signals';
import {
  ALARM_LEVEL_LABELS,
  DEVICE_KIND_LABELS,
  DOOR_KIND_LABELS,
  SESSION_STATE_LABELS,
  ZONE_TYPE_LABELS,
} from '../../i18n/domain.ts';
import { formatTime, labelOf } from '../../i18n/index.ts';
import { type AlarmMarks, alarmMarks } from '../alarm-places.ts';
import { type Box, placeLabels, textWidthEm } from '../label-layout.ts';
import { t } from '../messages.ts';
import { devices, openAlarms, personLabel, positions, sessions, trackingAvailable, venue } from '../store.ts';
import type { BoardSession, Device, Point, Position, Venue } from '../types.ts';
import { doorName, places, zoneName } from '../venue-labels.ts';
import { tw } from '../wall-messages.ts';
import './monitoring.css';

type Selection = { kind: 'zone' | 'door' | 'device' | 'person'; id: string } | null;
const selected = signal<Selection>(null);
const floorId = signal<string | null>(null);

const LIVE_STATES = ['scheduled', 'checkin-open', 'in-progress', 'suspended'];

/** The session a room shows today: the live one if any, else the latest. */
export function sessionOfRoom(room: string): BoardSession | null {
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

/** Map units of the zone labels (name) and state lines: the sizes styles.css gives .zone-label and .zone-state. */
const LABEL_SIZE = 0.9;
const STATE_SIZE = 0.75;
const DOOR_BOX: Box = { x: 0, y: 0, width: 1.4, height: 0.7 };
const DEVICE_BOX: Box = { x: 0, y: 0, width: 0.9, height: 0.9 };

/** Where each zone's name and state go: rooms over their seats, others in the middle, none over another. */
function zoneLabels(zones: Venue['zones'], flip: (y: number) => number, v: Venue, floor: string) {
  const wants = zones
    .filter((z) => z.type !== 'evaluation-zone')
    // Rooms first: their labels keep their place, corridors and halls move round them.
    .sort((a, b) => Number(b.type === 'evaluation-room') - Number(a.type === 'evaluation-room'))
    .map((z) => {
      const [cx, cy] = centroid(z.polygon);
      const y = z.seats?.length ? flip(Math.max(...z.polygon.map((p) => p[1]))) + 1.6 : flip(cy);
      const session = z.type === 'evaluation-room' ? sessionOfRoom(z.id) : null;
      const lines = session ? 2 : 1;
      return {
        id: z.id,
        x: cx,
        // The box spans the name and, below it, the state line.
        y: y + (lines - 1) * 0.55 - 0.3,
        width: textWidthEm(zoneName(z.id)) * LABEL_SIZE,
        height: LABEL_SIZE + (lines - 1) * STATE_SIZE * 1.4,
      };
    });
  const taken = [
    ...v.doors.filter((d) => d.floor === floor).map((d) => ({ ...DOOR_BOX, x: d.at[0], y: flip(d.at[1]) })),
    ...v.devices
      .filter((d) => d.floor === floor && d.at)
      .map((d) => ({ ...DEVICE_BOX, x: d.at![0], y: flip(d.at![1]) })),
  ];
  return placeLabels(wants, taken);
}

export function FloorSvg({
  venue: v,
  floor,
  marks,
}: {
  venue: Venue;
  floor: Venue['floors'][number];
  marks: AlarmMarks;
}) {
  // Venue coordinates have y pointing north (up); SVG's y points down.
  const flip = (y: number) => floor.height - y;
  const zones = v.zones.filter((z) => z.floor === floor.id);
  const doors = v.doors.filter((d) => d.floor === floor.id);
  // Draw big zones first so rooms sit on top of the evaluation zone.
  const ordered = [...zones].sort((a, b) => Number(Boolean(a.parent)) - Number(Boolean(b.parent)));
  const labels = zoneLabels(zones, flip, v, floor.id);
  // Everything on the map is a button: click, Enter or Space shows its details.
  const pick = (kind: NonNullable<Selection>['kind'], id: string, name: string) => ({
    role: 'button' as const,
    'aria-label': name,
    // SVG attributes are case-sensitive: `tabIndex` would not make the element focusable.
    tabindex: 0,
    onClick: (e: Event) => {
      e.stopPropagation();
      selected.value = { kind, id };
    },
    onKeyDown: (e: KeyboardEvent) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      selected.value = { kind, id };
    },
  });
  const level = (map: Map<string, number>, id: string) => {
    const l = map.get(id);
    return l ? ` alarm alarm-level-${l}` : '';
  };
  const devicesById = new Map(devices.value.map((d) => [d.id, d]));
  return (
    // biome-ignore lint/a11y/useSemanticElements: an SVG cannot be a fieldset; role img would hide its focusable parts
    <svg
      class="floor-map"
      viewBox={`-1 -1 ${floor.width + 2} ${floor.height + 2}`}
      preserveAspectRatio="xMidYMid meet"
      role="group"
      aria-label={floor.name}
    >
      {ordered.map((z) => {
        const session = z.type === 'evaluation-room' ? sessionOfRoom(z.id) : null;
        const label = labels.get(z.id);
        const alarmLevel = marks.zones.get(z.id);
        const name = zoneName(z.id);
        const stateLine = session
          ? `${labelOf(SESSION_STATE_LABELS, session.state)} ${session.progress.checkedIn}/${session.progress.total}`
          : null;
        // The accessible name starts with the text shown (name, state line), then the alarm level.
        const shown = stateLine ? `${name} ${stateLine}` : name;
        return (
          <g
            key={z.id}
            class={`zone zone-${z.type}${session ? ` session-${session.state}` : ''}${level(marks.zones, z.id)}`}
            data-zone={z.id}
            data-alarm-level={alarmLevel}
            {...pick(
              'zone',
              z.id,
              alarmLevel ? `${shown} · ${labelOf(ALARM_LEVEL_LABELS, String(alarmLevel))}` : shown,
            )}
          >
            <polygon points={z.polygon.map(([x, y]) => `${x},${flip(y)}`).join(' ')} />
            {label && (
              <text x={label.x} y={label.y - label.height / 2 + LABEL_SIZE * 0.85} class="zone-label">
                {name}
              </text>
            )}
            {stateLine && label && (
              <text x={label.x} y={label.y + label.height / 2 - 0.1} class="zone-state">
                {stateLine}
              </text>
            )}
            {(z.seats ?? []).map((s) => (
              <circle key={s.id} class="seat" cx={s.at[0]} cy={flip(s.at[1])} r={0.3} />
            ))}
          </g>
        );
      })}
      {doors.map((d) => {
        const state = doorState(doorDevice(d.id));
        const alarmLevel = marks.doors.get(d.id);
        return (
          <g
            key={d.id}
            class={`door-mark${level(marks.doors, d.id)}`}
            data-door={d.id}
            data-alarm-level={alarmLevel}
            {...pick('door', d.id, `${doorName(d.id)} · ${DOOR_STATE_LABEL[state]()}`)}
          >
            {/* An alarmed door gets a ring that a level-3 alarm makes large, red and pulsing. */}
            {alarmLevel && <circle class="alarm-ring" cx={d.at[0]} cy={flip(d.at[1])} r={0.9 + alarmLevel * 0.35} />}
            <rect class={`door door-${state}`} x={d.at[0] - 0.7} y={flip(d.at[1]) - 0.35} width={1.4} height={0.7} />
          </g>
        );
      })}
      {v.devices
        .filter((d) => d.floor === floor.id && d.at)
        .map((d) => {
          const live = devicesById.get(d.id);
          const alarmLevel = marks.devices.get(d.id);
          return (
            <g
              key={d.id}
              class={`device-mark${level(marks.devices, d.id)}`}
              data-device={d.id}
              data-alarm-level={alarmLevel}
              {...pick('device', d.id, `${d.name} · ${live?.online ? t('online') : t('offline')}`)}
            >
              {alarmLevel && (
                <circle class="alarm-ring" cx={d.at![0]} cy={flip(d.at![1])} r={0.7 + alarmLevel * 0.25} />
              )}
              <circle
                class={`device device-${live ? health(live) : 'bad'}`}
                cx={d.at![0]}
                cy={flip(d.at![1])}
                r={0.45}
              />
            </g>
          );
        })}
      {positions.value
        .filter((p) => p.floor === floor.id)
        .map((p) => {
          const name = p.person ? personLabel(p.person) : p.badge;
          return (
            <g
              key={p.badge}
              class={`person role-${p.role ?? 'unbound'}`}
              data-badge={p.badge}
              data-x={p.x}
              data-y={p.y}
              style={{ transform: `translate(${p.x}px, ${flip(p.y)}px)` }}
              {...pick('person', p.badge, name)}
            >
              <circle r={0.6} />
              <text y={-0.9} class="person-label">
                {name}
              </text>
            </g>
          );
        })}
    </svg>
  );
}

/** What the map's colours and rings mean: alarm levels first (a 严重 ring must be recognised at a glance). */
export function MapLegend() {
  const swatch = (cls: string, text: string) => (
    <span class="legend-item">
      <span class={`swatch ${cls}`} aria-hidden="true" />
      {text}
    </span>
  );
  return (
    <div class="map-legend" data-testid="map-legend" role="note" aria-label={tw('legend')}>
      <b>{tw('legend')}</b>
      {(['3', '2', '1'] as const).map((l) =>
        swatch(`alarm-swatch level-${l}`, tw('legendLevel', { level: labelOf(ALARM_LEVEL_LABELS, l) })),
      )}
      {(['in-progress', 'checkin-open', 'suspended'] as const).map((s) =>
        swatch(`room-swatch session-${s}`, labelOf(SESSION_STATE_LABELS, s)),
      )}
      {swatch('door-swatch door-closed', `${tw('legendDoor')} ${t('doorClosed')}`)}
      {swatch('door-swatch door-open', `${tw('legendDoor')} ${t('doorOpen')}`)}
      {swatch('door-swatch door-fire-open', `${tw('legendDoor')} ${t('fireOpen')}`)}
      {swatch('dot ok', `${tw('legendDevice')} ${t('online')}`)}
      {swatch('dot bad', `${tw('legendDevice')} ${t('offline')}`)}
      {swatch('person-swatch', tw('legendPerson'))}
    </div>
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
        {openAlarms.value.length > 0 && (
          <a href="#/alarms" class="map-alarm-count" data-testid="map-alarm-count">
            {tw('mapAlarmCount', { n: openAlarms.value.length })}
          </a>
        )}
        {trackingAvailable.value ? (
          <span data-testid="people-count">
            {t('people', { n: positions.value.filter((p) => p.floor === floor.id).length })}
          </span>
        ) : (
          <span class="warn">{t('trackingUnavailable')}</span>
        )}
      </div>
      <div class="map-body">
        <FloorSvg venue={v} floor={floor} marks={alarmMarks(openAlarms.value, places.value)} />
        {selected.value && <Details selection={selected.value} venue={v} />}
      </div>
      <MapLegend />
    </section>
  );
}
