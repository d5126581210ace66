import type { ComponentType } from 'preact';
import { t } from '../messages.ts';
import { tp } from '../panel-messages.ts';
import { openAlarms } from '../store.ts';
import type { Role } from '../types.ts';
import { tw } from '../wall-messages.ts';
import { AlarmsPage } from './alarms.tsx';
import { AUDIT_LOG_ROLES, AuditLogPage } from './audit-log.tsx';
import { ta } from './audit-log-messages.ts';
import { CameraAdminPage } from './camera-admin.tsx';
import { tc } from './camera-admin-messages.ts';
import { CamerasPage } from './cameras.tsx';
import { DevicesPage } from './devices.tsx';
import { FloorMapPage } from './floor-map.tsx';
import { INTERCOM_ROLES, IntercomPage } from './intercom.tsx';
import { waiting } from './intercom-calls.ts';
import { ti } from './intercom-messages.ts';
import { PassagesPage } from './passages.tsx';
import { ReplayPage } from './replay.tsx';
import { RoomsPage } from './rooms.tsx';
import { SessionsPage } from './sessions.tsx';
import { SyncPage } from './sync.tsx';
import { UsersPage } from './users.tsx';
import { WallPage } from './wall.tsx';

/**
 * The console's pages, in menu order. A capability adds its page here — one entry with a route id, a title,
 * the roles that see it and its component — e.g. the camera grid (CCTV) and the intercom panel.
 */
export interface ConsolePage {
  /** Route: `#/<id>`. */
  id: string;
  title: () => string;
  icon: string;
  /** Roles that see the page (all when absent). The server still checks every call. */
  roles?: readonly Role[];
  component: ComponentType;
  /** A count shown next to the menu entry (e.g. open alarms). */
  badge?: () => number;
}

export const PAGES: ConsolePage[] = [
  { id: 'map', title: () => t('pageMap'), icon: '◫', component: FloorMapPage },
  {
    id: 'alarms',
    title: () => t('pageAlarms'),
    icon: '⚠',
    component: AlarmsPage,
    badge: () => openAlarms.value.length,
  },
  { id: 'sessions', title: () => t('pageSessions'), icon: '☰', component: SessionsPage },
  { id: 'devices', title: () => t('pageDevices'), icon: '⚙', component: DevicesPage },
  {
    id: 'intercom',
    title: () => ti('pageIntercom'),
    icon: '☎',
    roles: INTERCOM_ROLES,
    component: IntercomPage,
    badge: () => waiting.value.length,
  },
  { id: 'users', title: () => t('pageUsers'), icon: '◎', roles: ['administrator'], component: UsersPage },
  // CCTV (live view is for the floor; replay reads the record, as policy.ts has it) and upstream sync.
  {
    id: 'cameras',
    title: () => tp('pageCameras'),
    icon: '▦',
    roles: ['administrator', 'witness', 'operator'],
    component: CamerasPage,
  },
  {
    id: 'replay',
    title: () => tp('pageReplay'),
    icon: '▶',
    roles: ['administrator', 'witness', 'auditor'],
    component: ReplayPage,
  },
  { id: 'audit', title: () => ta('pageAudit'), icon: '☷', roles: AUDIT_LOG_ROLES, component: AuditLogPage },
  { id: 'sync', title: () => tp('pageSync'), icon: '⇅', component: SyncPage },
  {
    id: 'camera-admin',
    title: () => tc('pageCameraAdmin'),
    icon: '⊕',
    roles: ['administrator'],
    component: CameraAdminPage,
  },
  // Monitoring views (docs/console.md, "Monitoring"): a witness's rooms, the door-passage log (the record: audited,
  // as policy.ts has it) and the 大屏 mode (live video: the floor roles).
  {
    id: 'rooms',
    title: () => tw('pageRooms'),
    icon: '▣',
    roles: ['administrator', 'witness', 'operator'],
    component: RoomsPage,
  },
  {
    id: 'passages',
    title: () => tw('pagePassages'),
    icon: '⇆',
    roles: ['administrator', 'witness', 'auditor'],
    component: PassagesPage,
  },
  {
    id: 'wall',
    title: () => tw('pageWall'),
    icon: '▤',
    roles: ['administrator', 'witness', 'operator'],
    component: WallPage,
  },
];

export function pagesFor(role: Role): ConsolePage[] {
  return PAGES.filter((p) => !p.roles || p.roles.includes(role));
}
