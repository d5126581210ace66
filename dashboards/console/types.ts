// What the console reads from the hall server (see the OpenAPI document at /docs).
import type { Role } from '../../hall-server/auth/roles.ts';

export type { Role };
export type Point = [number, number];

export interface Me {
  user: { id: string; username: string; displayName: string; role: Role };
  seesNames: boolean;
}

export interface Venue {
  id: string;
  name: string;
  nameEn: string;
  floors: { id: string; name: string; level: number; width: number; height: number }[];
  zones: {
    id: string;
    name: string;
    nameEn?: string;
    type: string;
    floor: string;
    parent?: string;
    polygon: Point[];
    seats?: { id: string; at: Point }[];
  }[];
  doors: { id: string; name: string; kind: string; floor: string; from: string; to: string; at: Point }[];
  devices: {
    id: string;
    kind: string;
    name: string;
    floor: string;
    at?: Point;
    zone?: string;
    door?: string;
    room?: string;
  }[];
}

export interface Alarm {
  id: string;
  kind: string;
  level: 1 | 2 | 3;
  subject: string;
  session: string | null;
  state: 'raised' | 'acknowledged' | 'resolved';
  details: Record<string, unknown>;
  raisedAt: number;
  acknowledgedBy: string | null;
  acknowledgedAt: number | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  note: string | null;
}
/** The API answers with the registry's records as they are (a type-only import: nothing of the server is bundled). */
export type { DeviceRecord as Device } from '../../edge/registry/device-registry.ts';

export interface BoardExpert {
  pseudonym: string;
  name: string | null;
  seat: string | null;
  checkedIn: { at: number; method: string; badge: string | null } | null;
  checkedOutAt: number | null;
}

export interface BoardSession {
  id: string;
  transactionCode: string;
  project: { code: string; name: string };
  room: string;
  start: number;
  end: number;
  state: string;
  next: string[];
  /** 远程异地: seated here for a host elsewhere, or hosted here with guest rooms elsewhere. */
  remote: { hostVenue: string; hostRoom: string | null } | { guests: { venue: string; room: string }[] } | null;
  experts: BoardExpert[];
  progress: { checkedIn: number; total: number };
}

/** The tracking capability's live positions (pseudonyms only). */
export interface Position {
  badge: string;
  person: string | null;
  role?: string | null;
  session?: string | null;
  x: number;
  y: number;
  floor: string;
  zone?: string;
  zones?: string[];
  at?: number;
}

export interface BusInfo {
  mqtt: string;
  mqttWs: string | null;
  connected: boolean;
  stats: Record<string, number>;
}
