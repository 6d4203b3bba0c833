type ImportKey = (...args: unknown[]) => Promise<unknown>;

/**
 * Aligns the global WebCrypto (`crypto.subtle`) with k6's where they differ.
 *
 * An EC key imported as JWK takes its curve from the JWK's `crv`: k6's importer reads the curve from
 * the key and ignores a different `namedCurve` in the algorithm (internal/js/modules/k6/webcrypto/jwk.go),
 * where Node rejects the mismatch with a DataError.
 * https://grafana.com/docs/k6/latest/javascript-api/crypto/subtlecrypto/importkey/
 */
export function patchWebCrypto(scope: typeof globalThis): void {
  // Node builds its WebCrypto on first use of the `crypto` global: patch it then, so VUs that never use it
  // do not pay for loading it.
  const descriptor = Object.getOwnPropertyDescriptor(scope, 'crypto');
  if (!descriptor?.get || !descriptor.configurable) return patchSubtle(scope);
  const get = descriptor.get;
  Object.defineProperty(scope, 'crypto', {
    configurable: true,
    enumerable: descriptor.enumerable,
    get() {
      const value = get.call(scope) as typeof globalThis.crypto;
      Object.defineProperty(scope, 'crypto', { value, configurable: true, enumerable: descriptor.enumerable });
      patchSubtle(scope);
      return value;
    },
  });
}

function patchSubtle(scope: typeof globalThis): void {
  const subtle = (scope as { crypto?: { subtle?: { importKey: ImportKey } } }).crypto?.subtle;
  if (!subtle) return;
  const importKey = subtle.importKey.bind(subtle);
  const patched = (format: string, keyData: unknown, algorithm: unknown, ...rest: unknown[]): Promise<unknown> => {
    if (format === 'jwk' && isEcJwk(keyData) && algorithm && typeof algorithm === 'object') {
      const alg = algorithm as { name?: string; namedCurve?: string };
      if (alg.namedCurve !== undefined && alg.namedCurve !== keyData.crv) {
        return importKey(format, keyData, { ...alg, namedCurve: keyData.crv }, ...rest);
      }
    }
    return importKey(format, keyData, algorithm, ...rest);
  };
  Object.defineProperty(subtle, 'importKey', { value: patched, configurable: true, writable: true });
}

function isEcJwk(v: unknown): v is { kty: 'EC'; crv: string } {
  return (
    !!v &&
    typeof v === 'object' &&
    (v as { kty?: unknown }).kty === 'EC' &&
    typeof (v as { crv?: unknown }).crv === 'string'
  );
}
