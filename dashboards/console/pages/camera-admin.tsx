import { useEffect, useState } from 'preact/hooks';
import type { DiscoveredDevice } from '../../../devices/camera/onvif-client.ts';
import type { AdoptedCamera } from '../../../edge/video/camera-directory.ts';
import type { CameraOverview } from '../../../edge/video/footage-replay.ts';
import { formatTime } from '../../i18n/index.ts';
import { ApiError, request } from '../api.ts';
import { useSubmit } from '../components/use-submit.ts';
import { lastError, openAlarms, venue } from '../store.ts';
import { zoneName } from '../venue-labels.ts';
import { tc } from './camera-admin-messages.ts';
import { usePolled } from './use-polled.ts';
import './panels.css';

type Listed = AdoptedCamera & { state: string };
type Field = 'id' | 'name' | 'zone' | 'username' | 'password' | 'xaddr';
const FIELDS: readonly string[] = ['id', 'name', 'zone', 'username', 'password', 'xaddr'];
/** Errors by form field; `form` for what names none. */
type FieldErrors = Partial<Record<Field | 'form', string>>;

const STATE_TEXT: Record<string, () => string> = {
  recording: () => tc('stateRecording'),
  stalled: () => tc('stateStalled'),
  paused: () => tc('statePaused'),
  starting: () => tc('stateStarting'),
};

function StateCell({ state, offline }: { state: string; offline: boolean }) {
  const status = offline ? 'offline' : state;
  return (
    <td class="camera-status" data-status={status}>
      {offline ? tc('stateOffline') : (STATE_TEXT[state]?.() ?? tc('stateNotRecording'))}
    </td>
  );
}

/**
 * The API names the field first (`zone: the venue has no zone "x"`, `targets/0: must be host:port`); a camera
 * refusing the credentials is 422 on `xaddr`.
 */
function errorsOf(err: unknown): FieldErrors {
  if (!(err instanceof Error)) return { form: String(err) };
  const m = /^(\w+)(?:\/\d+)?: (.*)$/s.exec(err.message);
  const field = m && FIELDS.includes(m[1]!) ? (m[1] as Field) : 'form';
  if (err instanceof ApiError && err.status === 422) return { xaddr: `${tc('wrongCredentials')} — ${m?.[2] ?? ''}` };
  return { [field]: field === 'form' ? err.message : m![2] };
}

/** The venue's zones (rooms, hall…) as options of a select. */
const ZoneOptions = () => (
  <>
    {(venue.value?.zones ?? []).map((z) => (
      <option key={z.id} value={z.id}>
        {zoneName(z.id)}
      </option>
    ))}
  </>
);

/** A camera id suggested from its ONVIF name (the API wants lower-case letters, digits and dashes). */
const suggestId = (d: DiscoveredDevice) =>
  (d.name ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);

function AdoptForm({ device, onDone }: { device: DiscoveredDevice; onDone: (adopted: string | null) => void }) {
  const [draft, setDraft] = useState({ id: suggestId(device), name: device.name ?? '', zone: '', username: '' });
  const [password, setPassword] = useState('');
  const { busy, error: failed, submit } = useSubmit(errorsOf);
  const errors = failed ?? {};
  const adopt = submit(async () => {
    const camera = await request<AdoptedCamera>('/api/video/adopted', {
      body: { ...draft, xaddr: device.xaddr, password },
    });
    onDone(camera.name);
  });
  const error = (field: Field | 'form') =>
    errors[field] && (
      <span class="error" data-error={field}>
        {errors[field]}
      </span>
    );
  const text = (field: 'id' | 'name' | 'username') => ({
    name: field,
    value: draft[field],
    onInput: (e: Event) => setDraft({ ...draft, [field]: (e.currentTarget as HTMLInputElement).value }),
  });
  return (
    <form class="adopt-form" data-testid="adopt-form" onSubmit={(e) => void adopt(e)}>
      <h3>{tc('adoptTitle', { xaddr: device.xaddr })}</h3>
      <label>
        {tc('xaddr')}
        <input value={device.xaddr} readOnly />
        {error('xaddr')}
      </label>
      <label>
        {tc('id')}
        <input required pattern="[a-z0-9][a-z0-9\-]{0,62}" title={tc('idPattern')} {...text('id')} />
        {error('id')}
      </label>
      <label>
        {tc('name')}
        <input required maxLength={100} {...text('name')} />
        {error('name')}
      </label>
      <label>
        {tc('zone')}
        <select
          name="zone"
          required
          value={draft.zone}
          onChange={(e) => setDraft({ ...draft, zone: e.currentTarget.value })}
        >
          <option value="">{tc('chooseZone')}</option>
          <ZoneOptions />
        </select>
        {error('zone')}
      </label>
      <label>
        {tc('username')}
        <input maxLength={100} autoComplete="off" {...text('username')} />
        {error('username')}
      </label>
      <label>
        {tc('password')}
        <input
          name="password"
          type="password"
          maxLength={200}
          autoComplete="new-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        {error('password')}
      </label>
      {error('form')}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? tc('adopting') : tc('adopt')}
        </button>
        <button type="button" onClick={() => onDone(null)}>
          {tc('cancel')}
        </button>
      </div>
    </form>
  );
}

function Discovery({ onAdopted }: { onAdopted: (name: string) => void }) {
  const [targets, setTargets] = useState('');
  const [found, setFound] = useState<DiscoveredDevice[] | null>(null);
  const { busy, error, submit } = useSubmit((err) => (err as Error).message);
  const [adopting, setAdopting] = useState<DiscoveredDevice | null>(null);
  // What the last probe found (by anyone) is still worth showing when the page opens.
  useEffect(() => {
    request<{ found: DiscoveredDevice[] }>('/api/video/discovered')
      .then((r) => setFound((f) => f ?? (r.found.length ? r.found : null)))
      .catch((err: Error) => (lastError.value = err.message));
  }, []);
  const discover = submit(async () => {
    const list = targets
      .split(/[,\s]+/)
      .map((t) => t.trim())
      .filter(Boolean);
    const r = await request<{ found: DiscoveredDevice[] }>('/api/video/discovery', {
      method: 'POST',
      body: list.length ? { targets: list } : {},
    });
    setFound(r.found);
  });
  const done = (name: string | null) => {
    if (name) {
      setFound((f) => f?.filter((d) => d.xaddr !== adopting?.xaddr) ?? null);
      onAdopted(name);
    }
    setAdopting(null);
  };
  return (
    <section class="camera-discovery">
      <h2>{tc('discovery')}</h2>
      <form class="inline-form" onSubmit={(e) => void discover(e)}>
        <input
          class="targets"
          name="targets"
          placeholder={tc('discoveryTargets')}
          value={targets}
          onInput={(e) => setTargets(e.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? tc('discovering') : tc('discover')}
        </button>
        {error && (
          <span class="error" data-error="targets">
            {error}
          </span>
        )}
      </form>
      {found && (
        <>
          <p class="hint" data-testid="discovered-count">
            {found.length ? tc('discoveredCount', { n: found.length }) : tc('discoveredNone')}
          </p>
          {found.length > 0 && (
            <table class="grid">
              <thead>
                <tr>
                  <th>{tc('name')}</th>
                  <th>{tc('hardware')}</th>
                  <th>{tc('xaddr')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {found.map((d) => (
                  <tr key={d.xaddr} data-discovered={d.xaddr}>
                    <td>{d.name ?? '—'}</td>
                    <td>{d.hardware ?? '—'}</td>
                    <td>{d.xaddr}</td>
                    <td>
                      <button type="button" onClick={() => setAdopting(d)} disabled={adopting !== null}>
                        {tc('adopt')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {adopting && <AdoptForm key={adopting.xaddr} device={adopting} onDone={done} />}
    </section>
  );
}

/**
 * Moving an adopted camera to another room: it records on, and its footage from now on is the new room's (a
 * session running there locks it at once); what it recorded before stays with the old room's session.
 */
function MoveForm({
  camera,
  onMoved,
  onCancel,
}: {
  camera: Listed;
  onMoved: (zone: string) => void;
  onCancel: () => void;
}) {
  const [zone, setZone] = useState(camera.zone);
  const { busy, error, submit } = useSubmit((err) => {
    const errors = errorsOf(err);
    return errors.zone ?? errors.form ?? (err as Error).message;
  });
  const move = submit(async () => {
    await request<AdoptedCamera>(`/api/video/adopted/${encodeURIComponent(camera.id)}`, {
      method: 'PATCH',
      body: { zone },
    });
    onMoved(zone);
  });
  return (
    <form class="actions move-form" data-testid="move-form" onSubmit={(e) => void move(e)}>
      <span>{tc('moveTo', { name: camera.name })}</span>
      <select name="zone" value={zone} onChange={(e) => setZone(e.currentTarget.value)}>
        <ZoneOptions />
      </select>
      <button type="submit" disabled={busy || zone === camera.zone}>
        {tc('confirmMove')}
      </button>
      <button type="button" onClick={onCancel}>
        {tc('cancel')}
      </button>
      <span class="hint">{tc('moveHint')}</span>
      {error && (
        <span class="error" data-error="zone">
          {error}
        </span>
      )}
    </form>
  );
}

function AdoptedRow({ camera, onChanged }: { camera: Listed; onChanged: (notice: string) => void }) {
  const [asking, setAsking] = useState<'move' | 'remove' | null>(null);
  const offline = openAlarms.value.some((a) => a.kind === 'camera-offline' && a.subject === camera.id);
  const remove = async () => {
    try {
      await request(`/api/video/adopted/${encodeURIComponent(camera.id)}`, { method: 'DELETE' });
      onChanged(tc('removed', { name: camera.name }));
    } catch (err) {
      lastError.value = (err as Error).message;
      setAsking(null);
    }
  };
  return (
    <tr data-adopted={camera.id}>
      <td>{camera.name}</td>
      <td>{camera.id}</td>
      <td class="camera-zone">
        {zoneName(camera.zone)}
        {camera.zoneSince !== null && (
          <span class="hint"> {tc('zoneSince', { time: formatTime(camera.zoneSince, 'datetime') })}</span>
        )}
      </td>
      <StateCell state={camera.state} offline={offline} />
      <td>{camera.xaddr}</td>
      <td>{camera.adoptedBy}</td>
      <td>{formatTime(camera.adoptedAt, 'datetime')}</td>
      <td>
        {asking === 'move' && (
          <MoveForm
            camera={camera}
            onCancel={() => setAsking(null)}
            onMoved={(zone) => {
              setAsking(null);
              onChanged(tc('moved', { name: camera.name, zone: zoneName(zone) }));
            }}
          />
        )}
        {asking === 'remove' && (
          <span class="actions confirm-remove">
            <span>{tc('confirmRemove', { name: camera.name })}</span>
            <button type="button" class="danger" onClick={() => void remove()}>
              {tc('confirm')}
            </button>
            <button type="button" onClick={() => setAsking(null)}>
              {tc('cancel')}
            </button>
          </span>
        )}
        {asking === null && (
          <span class="actions">
            <button type="button" onClick={() => setAsking('move')}>
              {tc('move')}
            </button>
            <button type="button" onClick={() => setAsking('remove')}>
              {tc('remove')}
            </button>
          </span>
        )}
      </td>
    </tr>
  );
}

/**
 * Camera administration (administrators): the venue file's cameras and the adopted ones with their recorder
 * state; WS-Discovery of cameras not yet in the venue; adoption (checked over ONVIF by the edge), moving an
 * adopted camera to another room, and removal.
 */
export function CameraAdminPage() {
  const [revision, setRevision] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const venueCameras = usePolled<CameraOverview[]>('/api/video/overview', 5000);
  const adopted = usePolled<Listed[]>('/api/video/adopted', 5000, revision);
  const changed = (message: string) => {
    setNotice(message);
    setRevision((r) => r + 1);
  };
  return (
    <section class="camera-admin">
      {notice && (
        <p class="notice" data-testid="camera-admin-notice">
          {notice}
        </p>
      )}
      <Discovery onAdopted={(name) => changed(tc('adopted', { name }))} />
      <section>
        <h2>{tc('adoptedCameras')}</h2>
        {adopted && adopted.length === 0 && <p class="empty">{tc('noAdopted')}</p>}
        {adopted && adopted.length > 0 && (
          <table class="grid" data-testid="adopted-cameras">
            <thead>
              <tr>
                <th>{tc('name')}</th>
                <th>{tc('id')}</th>
                <th>{tc('zone')}</th>
                <th>{tc('state')}</th>
                <th>{tc('xaddr')}</th>
                <th>{tc('adoptedBy')}</th>
                <th>{tc('adoptedAt')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {adopted.map((c) => (
                <AdoptedRow key={c.id} camera={c} onChanged={changed} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <h2>{tc('venueCameras')}</h2>
        <p class="hint">{tc('venueCamerasHint')}</p>
        {venueCameras && (
          <table class="grid" data-testid="venue-cameras">
            <thead>
              <tr>
                <th>{tc('name')}</th>
                <th>{tc('id')}</th>
                <th>{tc('zone')}</th>
                <th>{tc('state')}</th>
              </tr>
            </thead>
            <tbody>
              {venueCameras.map((c) => (
                <tr key={c.id} data-venue-camera={c.id}>
                  <td>{c.name}</td>
                  <td>{c.id}</td>
                  <td>{zoneName(c.zone)}</td>
                  <StateCell state={c.state} offline={c.offline} />
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
