/** Facts about the vault itself, such as the master key check value. */
export interface MetaTable {
  key: string;
  value: Uint8Array;
}
