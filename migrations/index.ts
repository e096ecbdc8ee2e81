/** Every migration, in order. Names sort; once released, a migration is never edited. */
import * as initial from './0001_initial.js';

export const MIGRATIONS = {
  '0001_initial': initial,
};
