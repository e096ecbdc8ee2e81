/** Every migration, in order. Names sort; once released, a migration is never edited. */
import * as initial from './0001_initial.js';
import * as snapshotsAndCheckpoints from './0002_snapshots_and_checkpoints.js';

export const MIGRATIONS = {
  '0001_initial': initial,
  '0002_snapshots_and_checkpoints': snapshotsAndCheckpoints,
};
