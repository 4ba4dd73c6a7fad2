import { join } from 'node:path';
import { repoRoot } from '../../src/stores/local/index.js';

/** Where the suite's processes record the shape of every MongoDB read (git-ignored), a folder per run. */
export const QUERY_SHAPE_LOG = join(repoRoot, '.cache', 'query-shapes');
/** The variable through which the global setup tells the later test group its run's folder. */
export const QUERY_SHAPE_RUN = 'ORGAUTH_QUERY_SHAPE_RUN';
