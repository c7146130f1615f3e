// SPDX-License-Identifier: Apache-2.0
/** Re-exports for the fe suites, plus test-only access to constants the public API keeps inside. */
export * from '../../src/fe/index.js';
import { FFDHE2048_P, FFDHE3072_P, FFDHE4096_P } from '../../src/fe/ffdhe-primes.js';
export { jacobi as jacobiForTests } from '../../src/fe/ffdhe.js';
export function FFDHE_P_FOR_TESTS(name: string): bigint {
    const hex =
        name === 'ffdhe2048' ? FFDHE2048_P : name === 'ffdhe3072' ? FFDHE3072_P : FFDHE4096_P;
    return BigInt('0x' + hex);
}
