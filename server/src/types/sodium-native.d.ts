// The one libsodium binding Kith calls; sodium-native ships no types of its own.
declare module 'sodium-native' {
  /** libsodium's `crypto_sign_verify_detached`: true if `signature` is `publicKey`'s Ed25519 signature of `message`. */
  export function crypto_sign_verify_detached(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
  ): boolean;
  export const crypto_sign_BYTES: number;
  export const crypto_sign_PUBLICKEYBYTES: number;
}
