import type { AnomalyType, CheckResult, ConsistencyModel } from './types.js';

/**
 * Anomalies each model proscribes, after Elle's consistency-model map (Adya's PL levels):
 *
 * - read uncommitted (PL-1) proscribes G0; so do all stronger models. Elle also counts the
 *   "impossible under any model" findings (internal, incompatible order, duplicate elements,
 *   garbage reads) as violations of read uncommitted, and so do we.
 * - read committed (PL-2) adds G1a, G1b, G1c.
 * - snapshot isolation adds G-single and lost update (but allows G2-item, e.g. write skew).
 * - repeatable read (PL-2.99) adds G2-item; as in Elle's anomaly implications, a G-single cycle is
 *   also a G2-item cycle, and a lost update implies one, so both violate repeatable read.
 * - serializable (PL-3) proscribes every dependency cycle. List-append has no predicate reads, so
 *   it proscribes exactly what repeatable read does here; a history that is not repeatable read
 *   is reported "also not serializable".
 */
export const PROSCRIBED: Readonly<Record<ConsistencyModel, readonly AnomalyType[]>> = (() => {
  const ru: AnomalyType[] = ['G0', 'internal', 'incompatible-order', 'duplicate-elements', 'garbage-read'];
  const rc: AnomalyType[] = [...ru, 'G1a', 'G1b', 'G1c'];
  const si: AnomalyType[] = [...rc, 'G-single', 'lost-update'];
  const rr: AnomalyType[] = [...si, 'G2-item'];
  return { 'read-uncommitted': ru, 'read-committed': rc, 'snapshot-isolation': si, 'repeatable-read': rr, serializable: rr };
})();

/** Models ordered weakest first, as `notModels` lists them. */
export const MODELS: readonly ConsistencyModel[] = ['read-uncommitted', 'read-committed', 'snapshot-isolation', 'repeatable-read', 'serializable'];

// With the proscriptions above the models nest (SI's are a subset of repeatable read's), so they
// form one chain: a history with write skew and nothing else is reported as snapshot isolation.
const CHAIN = ['read-uncommitted', 'read-committed', 'snapshot-isolation', 'repeatable-read', 'serializable'] as const;

/** From the anomaly types found, the strongest model of the chain, the models ruled out and a one-line summary. */
export function judgeModels(found: ReadonlySet<AnomalyType>): Pick<CheckResult, 'strongestModel' | 'notModels' | 'summary'> {
  const notModels = MODELS.filter((m) => PROSCRIBED[m].some((a) => found.has(a)));
  let strongest: CheckResult['strongestModel'] = 'none';
  for (const m of CHAIN) {
    if (notModels.includes(m)) break;
    strongest = m;
  }
  if (notModels.length === 0) return { strongestModel: strongest, notModels, summary: 'consistent with serializable' };
  // Like Elle's `not` / `also-not`: name the weakest models broken, then the ones that follow.
  const direct = notModels.filter((m) => !weaker(m).some((w) => notModels.includes(w)));
  const also = notModels.filter((m) => !direct.includes(m));
  const summary = `not ${direct.join(', ')}` + (also.length > 0 ? `; also not ${also.join(', ')}` : '');
  return { strongestModel: strongest, notModels, summary };
}

/** Models strictly weaker than `m` (whose violation implies m's). */
function weaker(m: ConsistencyModel): ConsistencyModel[] {
  switch (m) {
    case 'read-uncommitted':
      return [];
    case 'read-committed':
      return ['read-uncommitted'];
    case 'snapshot-isolation':
      return ['read-uncommitted', 'read-committed'];
    case 'repeatable-read':
      return ['read-uncommitted', 'read-committed'];
    case 'serializable':
      return ['read-uncommitted', 'read-committed', 'snapshot-isolation', 'repeatable-read'];
  }
}
