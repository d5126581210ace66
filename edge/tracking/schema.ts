import { type Db, migrate } from '../store/database.ts';

/** Tables of module `tracking` in the venue database: projections of badge bindings, zone stays and head counts. */
const migrations = [
  {
    version: 1,
    sql: `
      CREATE TABLE tracking_badges (
        badge TEXT PRIMARY KEY, person TEXT NOT NULL, role TEXT NOT NULL, session TEXT, room TEXT, since INTEGER NOT NULL);
      CREATE TABLE tracking_badge_history (
        badge TEXT NOT NULL, person TEXT NOT NULL, session TEXT, from_at INTEGER NOT NULL, to_at INTEGER);
      CREATE INDEX tracking_badge_history_person ON tracking_badge_history (person, from_at);
      CREATE INDEX tracking_badge_history_badge ON tracking_badge_history (badge, from_at);
      CREATE TABLE tracking_stays (
        zone TEXT NOT NULL, badge TEXT NOT NULL, person TEXT, session TEXT,
        entered_at INTEGER NOT NULL, left_at INTEGER NOT NULL, dwell_ms INTEGER NOT NULL, reason TEXT NOT NULL, seq INTEGER NOT NULL);
      CREATE INDEX tracking_stays_zone ON tracking_stays (zone, left_at);
      CREATE INDEX tracking_stays_person ON tracking_stays (person, left_at);`,
  },
  {
    // A badge checked out while inside the zone stays bound until it leaves the zone or is returned.
    version: 2,
    sql: `
      ALTER TABLE tracking_badges ADD COLUMN checked_out_at INTEGER;
      CREATE TABLE tracking_population (zone TEXT PRIMARY KEY, counted INTEGER NOT NULL, updated_at INTEGER NOT NULL);`,
  },
];

export function migrateTracking(db: Db): void {
  migrate(db, 'tracking', migrations);
}
