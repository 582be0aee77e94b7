import type { Insertable, Selectable } from 'kysely';

/** An owner's request that a vendor erase what it holds, made when the relationship ended. */
export interface ErasureRequestTable {
  /** `era_…`: the `erasure_id` the vendor acknowledges with. */
  id: string;
  owner_id: string;
  client_id: string;
  /** The pairwise subject the vendor knows the owner by. */
  subject: string;
  requested_at: number;
  /** The vendor should have erased and acknowledged by then. */
  deadline: number;
  /** When the vendor acknowledged, late or not; null until it does. */
  acknowledged_at: number | null;
}

export type ErasureRequestRow = Selectable<ErasureRequestTable>;
export type NewErasureRequestRow = Insertable<ErasureRequestTable>;
