// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/proof
 * Verifiable bill: a Chaum–Pedersen proof (non-interactive by Fiat–Shamir) that the provider's
 * decrypted value m is right, without revealing sk_y (DESIGN.md §2).
 *
 *   K_y = Σ y_i·H_i (= sk_y·G)        Z = Σ y_i·C_i − m·G (= r·K_y = sk_y·C_0 iff m = <x,y>)
 *   Statement: log_G(K_y) = log_{C_0}(Z).
 *   Prove:  w ← H(nonce label; sk_y, transcript, fresh randomness);  A = w·G;  B = w·C_0
 *           c = H(challenge label; context, K_y, C_0, Z, A, B);  s = w + c·sk_y mod q
 *   Verify: A' = s·G − c·K_y;  B' = s·C_0 − c·Z;  accept iff c == H(...; A', B')
 * The context binds meter, channel, period, tariff and m, so a proof never transfers to another bill.
 * Sound under the discrete-log assumption in the random-oracle model; honest-verifier zero-knowledge.
 */
import { ProofError } from './errors.js';
import type { Group } from './group.js';
import { mod } from './group.js';
import type { EpochContext } from './ipfe.js';
import { hashToScalar, LABELS } from './kdf.js';

/** What a bill proof is about. */
export interface BillStatement<E> extends EpochContext {
    /** Tariff identifier (id@version or its digest). */
    readonly tariff: string;
    /** The claimed value m = <x, y>. */
    readonly m: bigint;
    /** K_y = Σ y_i·H_i. */
    readonly K: E;
    /** C_0 of the period. */
    readonly C0: E;
    /** Σ y_i·C_i. */
    readonly S: E;
}

/** A Chaum–Pedersen proof in (challenge, response) form. */
export interface BillProof {
    readonly c: bigint;
    readonly s: bigint;
}

function transcript<E>(
    g: Group<E>,
    st: BillStatement<E>,
    Z: E,
    A: E,
    B: E,
): (string | Uint8Array)[] {
    return [
        st.meter,
        st.channel,
        st.period,
        st.tariff,
        st.m.toString(),
        g.encode(g.generator),
        g.encode(st.K),
        g.encode(st.C0),
        g.encode(Z),
        g.encode(A),
        g.encode(B),
    ];
}

function randomBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    globalThis.crypto.getRandomValues(b);
    return b;
}

/**
 * Prove m for the statement, knowing sk_y. Throws ProofError if the statement is false for this key
 * (the provider would otherwise post a proof that fails).
 */
export function proveBill<E>(g: Group<E>, sk: bigint, st: BillStatement<E>): BillProof {
    const Z = g.sub(st.S, g.mulBase(mod(st.m, g.order)));
    if (!g.equals(g.mul(st.C0, sk), Z) || !g.equals(g.mulBase(sk), st.K)) {
        throw new ProofError(`cannot prove m = ${st.m}: it is not the decryption under this key`);
    }
    const w = hashToScalar(g, LABELS.proofNonce, [
        g.encodeScalar(sk),
        ...transcript(g, st, Z, g.identity, g.identity),
        randomBytes(32),
    ]);
    const A = g.mulBase(w);
    const B = g.mul(st.C0, w);
    const c = hashToScalar(g, LABELS.proofChallenge, transcript(g, st, Z, A, B));
    return { c, s: mod(w + c * sk, g.order) };
}

/** Verify a bill proof from public data only. Returns false on any mismatch. */
export function verifyBill<E>(g: Group<E>, st: BillStatement<E>, proof: BillProof): boolean {
    const q = g.order;
    if (proof.c < 0n || proof.c >= q || proof.s < 0n || proof.s >= q) return false;
    const Z = g.sub(st.S, g.mulBase(mod(st.m, q)));
    const negC = mod(-proof.c, q);
    // A' = s·G − c·K_y ; B' = s·C_0 − c·Z
    const A = g.msmVartime([g.generator, st.K], [proof.s, negC]);
    const B = g.msmVartime([st.C0, Z], [proof.s, negC]);
    return hashToScalar(g, LABELS.proofChallenge, transcript(g, st, Z, A, B)) === proof.c;
}

/** Like {@link verifyBill} but throws a ProofError naming the bill. */
export function assertBill<E>(g: Group<E>, st: BillStatement<E>, proof: BillProof): void {
    if (!verifyBill(g, st, proof)) {
        throw new ProofError(
            `bill proof for ${st.meter}/${st.channel}/${st.period} (tariff ${st.tariff}, m = ${st.m}) does not verify`,
        );
    }
}
