/** A fixed-window counter, shared by every server process through the database. */
export interface RateLimitTable {
  key: string;
  window_start: number;
  count: number;
}
