import { join } from 'node:path';
import type { Venue } from '../../config/schema.ts';
import { type DiscoveredDevice, probeCameras } from '../../devices/camera/onvif-client.ts';
import { DomainError } from '../domain-error.ts';
import { KEY_FILES } from '../keys-dir.ts';
import type { EventLog } from '../store/event-log.ts';
import { sealCipherOf } from '../store/suites.ts';
import { type AdoptedCamera, CameraDirectory } from './camera-directory.ts';
import type { VideoDeps, VideoService } from './video-service.ts';

export interface AdoptRequest {
  id: string;
  name: string;
  zone: string;
  xaddr: string;
  username: string;
  password: string;
}

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Cameras beyond the venue file: an administrator runs WS-Discovery, sees the cameras not yet in the venue,
 * and adopts one (address, credentials, room, name). An adopted camera is checked over ONVIF, recorded at
 * once, kept in SQLite (CameraDirectory) and recorded again after a restart; removing it stops its recording
 * (its footage stays under retention); moving it to another room keeps it recording. Each step is an event:
 * `video.discovery`, `video.camera-added` (then the `video.camera-adopted` every ONVIF adoption appends),
 * `video.camera-moved`, `video.camera-renamed`, `video.camera-removed`.
 */
export class CameraAdoption {
  readonly directory: CameraDirectory;
  private lastProbe: DiscoveredDevice[] = [];
  /** Ids and addresses being adopted right now: a second request for either waits its turn (409). */
  private readonly pending = new Set<string>();
  private readonly log: EventLog;

  constructor(
    private readonly video: VideoService,
    private readonly deps: VideoDeps,
    private readonly venue: Pick<Venue, 'cameras' | 'zones' | 'record'> = { cameras: [], zones: [] },
    private readonly discoveryTargets: string[] = [],
  ) {
    this.log = deps.log;
    const keyFile = join(deps.keysDir ?? deps.dataDir, KEY_FILES.cameras);
    this.directory = new CameraDirectory(deps.db, keyFile, sealCipherOf(venue.record?.suite));
    for (const c of this.directory.list()) video.place(c.id, c.zone, c.zoneSince ?? 0);
  }

  /** Starts recording the adopted cameras (at start-up); one that does not answer is retried. */
  resume(retryMs?: number): void {
    const cameras = this.directory.list().flatMap((c) => {
      try {
        return [{ id: c.id, onvif: c.xaddr, zone: c.zone, credentials: this.directory.credentials(c.id) }];
      } catch (err) {
        // A password sealed under another key (camera-key replaced): the camera must be adopted again.
        this.deps.logger?.error({ err, camera: c.id }, '摄像机凭据无法解密 camera credentials cannot be opened');
        return [];
      }
    });
    this.video.adoptAll(cameras, retryMs);
  }

  /** Probes the targets (host:port, default: the configured ones) and returns the cameras not yet in the venue. */
  async discover(by: string, targets: string[] = this.discoveryTargets, waitMs = 500): Promise<DiscoveredDevice[]> {
    if (targets.length === 0)
      throw new DomainError(
        'invalid',
        'targets: none given, and no discovery target is configured (HALLEDGE_CAMERA_DISCOVERY)',
      );
    const parsed = targets.map((t, i) => {
      const m = /^([^:\s]+):(\d{1,5})$/.exec(t);
      if (!m || Number(m[2]) > 65535)
        throw new DomainError('invalid', `targets/${i}: must be host:port, got ${JSON.stringify(t)}`);
      return { host: m[1]!, port: Number(m[2]) };
    });
    const answers = await Promise.all(parsed.map((t) => probeCameras(t.host, t.port, waitMs)));
    this.lastProbe = [...new Map(answers.flat().map((d) => [d.xaddr, d])).values()];
    const found = this.discovered();
    this.log.append({
      type: 'video.discovery',
      actor: by,
      data: { targets, answered: this.lastProbe.length, notInVenue: found.map((d) => d.xaddr) },
    });
    return found;
  }

  /** The last probe's cameras that are neither in the venue file nor adopted. */
  discovered(): DiscoveredDevice[] {
    return this.lastProbe.filter((d) => !this.known(d.xaddr));
  }

  /** Adopted cameras, without their credentials. */
  list(): AdoptedCamera[] {
    return this.directory.list();
  }

  async adopt(req: AdoptRequest, by: string): Promise<AdoptedCamera> {
    if (!ID.test(req.id)) throw new DomainError('invalid', 'id: lower-case letters, digits and dashes, at most 63');
    if (!req.name.trim()) throw new DomainError('invalid', 'name: required');
    if (!this.venue.zones.some((z) => z.id === req.zone))
      throw new DomainError('invalid', `zone: the venue has no zone ${JSON.stringify(req.zone)}`);
    if (!/^https?:\/\/[^/\s]+\/\S*$/.test(req.xaddr))
      throw new DomainError('invalid', 'xaddr: must be an http(s) ONVIF address');
    if (this.venue.cameras.some((c) => c.id === req.id) || this.directory.get(req.id))
      throw new DomainError('conflict', `id: camera ${req.id} exists already`);
    if (this.known(req.xaddr))
      throw new DomainError('conflict', `xaddr: ${req.xaddr} is a camera of the venue already`);
    if (this.pending.has(req.id) || this.pending.has(req.xaddr))
      throw new DomainError('conflict', `id: camera ${req.id} is being adopted already`);
    this.pending.add(req.id).add(req.xaddr);
    try {
      return await this.adoptChecked(req, by);
    } finally {
      this.pending.delete(req.id);
      this.pending.delete(req.xaddr);
    }
  }

  private async adoptChecked(req: AdoptRequest, by: string): Promise<AdoptedCamera> {
    const credentials = { username: req.username, password: req.password };
    try {
      await this.video.adopt({ id: req.id, onvif: req.xaddr, zone: req.zone, credentials });
    } catch (err) {
      await this.video.forget(req.id);
      if (err instanceof DomainError) throw err;
      throw new DomainError('rejected', `xaddr: the camera did not accept adoption: ${(err as Error).message}`);
    }
    const camera: AdoptedCamera = {
      id: req.id,
      name: req.name.trim(),
      zone: req.zone,
      zoneSince: null,
      xaddr: req.xaddr,
      adoptedBy: by,
      adoptedAt: Date.now(),
    };
    try {
      this.directory.add(camera, credentials);
    } catch (err) {
      await this.video.forget(req.id);
      throw err;
    }
    this.log.append({
      type: 'video.camera-added',
      actor: by,
      subject: camera.id,
      data: { name: camera.name, zone: camera.zone, xaddr: camera.xaddr },
    });
    return camera;
  }

  /**
   * Moves an adopted camera to another room (and/or renames it). It records on without a break; from the move
   * on its footage is the new room's: a session running there locks it at once, and what it recorded in the
   * old room stays locked to the session held there (SessionFootage).
   */
  change(id: string, change: { zone?: string; name?: string }, by: string): AdoptedCamera {
    const camera = this.adopted(id, 'move it');
    const name = change.name?.trim();
    if (change.name !== undefined && !name) throw new DomainError('invalid', 'name: must not be empty');
    if (change.zone !== undefined && !this.venue.zones.some((z) => z.id === change.zone))
      throw new DomainError('invalid', `zone: the venue has no zone ${JSON.stringify(change.zone)}`);
    if (change.zone === undefined && name === undefined)
      throw new DomainError('invalid', 'zone: give a zone or a name to change');
    if (name !== undefined && name !== camera.name) {
      this.directory.update(id, { name });
      this.log.append({ type: 'video.camera-renamed', actor: by, subject: id, data: { from: camera.name, to: name } });
    }
    if (change.zone !== undefined && change.zone !== camera.zone) {
      const since = this.video.footageFrom(id);
      this.directory.update(id, { zone: change.zone, zoneSince: since });
      this.log.append({
        type: 'video.camera-moved',
        actor: by,
        subject: id,
        data: { name: name ?? camera.name, from: camera.zone, to: change.zone, since },
      });
      this.video.move(id, change.zone, since);
    }
    return this.directory.get(id)!;
  }

  async remove(id: string, by: string): Promise<void> {
    const camera = this.adopted(id, 'remove it');
    await this.video.forget(id);
    this.directory.remove(id);
    this.log.append({
      type: 'video.camera-removed',
      actor: by,
      subject: id,
      data: { name: camera.name, zone: camera.zone, xaddr: camera.xaddr },
    });
  }

  /** An adopted camera; a venue-file camera is changed in the venue file (409), an unknown one is 404. */
  private adopted(id: string, what: string): AdoptedCamera {
    if (this.venue.cameras.some((c) => c.id === id))
      throw new DomainError('conflict', `camera ${id} is in the venue file; ${what} there`);
    const camera = this.directory.get(id);
    if (!camera) throw new DomainError('not-found', `no adopted camera ${id}`);
    return camera;
  }

  private known(xaddr: string): boolean {
    return this.venue.cameras.some((c) => c.onvif === xaddr) || this.directory.byXaddr(xaddr) !== null;
  }
}
