// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/aggregate-proof
 * Verifiable grid aggregate: a Chaum–Pedersen-style proof (non-interactive by Fiat–Shamir) that a
 * posted slot sum m is the MCFE decryption ({@link ./mcfe.ts}) of the stored ciphertexts under the
 * combined functional key dk = (k1, k2), without revealing dk. Public commitment to the key:
 * K = (k1·G, k2·G), the sum of the members' published share commitments (d_{i,1}·G, d_{i,2}·G).
 *
 *   S = Σ_i c_{i,ℓ}    u_ℓ = (u1, u2) = H(ℓ)    D = S − m·G  (= k1·u1 + k2·u2 iff m is the sum)
 *   Statement: log_G K1 = k1, log_G K2 = k2 and D = k1·u1 + k2·u2 (a linear relation, two witnesses)
 *   Prove:  w1, w2 ← H(nonce label; k1, k2, transcript, fresh randomness)
 *           A1 = w1·G,  A2 = w2·G,  B = w1·u1 + w2·u2
 *           c = H(challenge label; context, K1, K2, u1, u2, D, A1, A2, B);  z_j = w_j + c·k_j mod q
 *   Verify: A1' = z1·G − c·K1;  A2' = z2·G − c·K2;  B' = z1·u1 + z2·u2 − c·D;  c == H(...; A1', A2', B')
 *
 * The context binds (aggregate, channel, epoch, slot, m), so a proof never transfers to another slot
 * or value. Sound under discrete log in the random-oracle model (special soundness of the Schnorr
 * protocol for linear relations; m ≠ the sum would give two openings of D); honest-verifier
 * zero-knowledge. Publishing K = dk·G (coordinate-wise) gives away no more than an ElGamal public
 * key does: computing <dk, u_ℓ> from K and u_ℓ = H(ℓ) is a CDH instance.
 */
import { ProofError } from './errors.js';
import type { Group } from './group.js';
import { mod } from './group.js';
import { hashToScalar, LABELS } from './kdf.js';
import type { McfeLabel } from './mcfe.js';

/** What an aggregate proof is about (all public). */
export interface AggregateStatement<E> {
    readonly label: McfeLabel;
    /** The claimed sum m = Σ_i x_{i,ℓ}. */
    readonly m: bigint;
    /** Commitment to the combined key: (k1·G, k2·G). */
    readonly K: readonly [E, E];
    /** u_ℓ = H(ℓ). */
    readonly u: readonly [E, E];
    /** S = Σ_i c_{i,ℓ} (all weights are 1). */
    readonly S: E;
}

/** A proof in (challenge, responses) form. */
export interface AggregateProof {
    readonly c: bigint;
    readonly z: readonly [bigint, bigint];
}

function transcript<E>(
    g: Group<E>,
    st: AggregateStatement<E>,
    D: E,
    A1: E,
    A2: E,
    B: E,
): (string | Uint8Array)[] {
    return [
        st.label.aggregate,
        st.label.channel,
        st.label.epoch,
        st.label.slot,
        st.m.toString(),
        ...[g.generator, st.K[0], st.K[1], st.u[0], st.u[1], D, A1, A2, B].map((p) => g.encode(p)),
    ];
}

function randomBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    globalThis.crypto.getRandomValues(b);
    return b;
}

/** K = (k1·G, k2·G) of a combined key (what the share commitments add up to). */
export function keyCommitment<E>(g: Group<E>, dk: readonly [bigint, bigint]): [E, E] {
    return [g.mulBase(dk[0]), g.mulBase(dk[1])];
}

/**
 * Prove m for the statement, knowing dk. Throws ProofError if the statement is false for this key
 * (the grid operator would otherwise post a proof that fails).
 */
export function proveAggregate<E>(
    g: Group<E>,
    dk: readonly [bigint, bigint],
    st: AggregateStatement<E>,
): AggregateProof {
    const q = g.order;
    const D = g.sub(st.S, g.mulBase(mod(st.m, q)));
    const K = keyCommitment(g, dk);
    if (
        !g.equals(K[0], st.K[0]) ||
        !g.equals(K[1], st.K[1]) ||
        !g.equals(g.add(g.mul(st.u[0], dk[0]), g.mul(st.u[1], dk[1])), D)
    )
        throw new ProofError(
            `cannot prove m = ${st.m} for slot ${st.label.slot}: it is not the decryption under this key`,
        );
    const seed = [
        g.encodeScalar(dk[0]),
        g.encodeScalar(dk[1]),
        ...transcript(g, st, D, g.identity, g.identity, g.identity),
        randomBytes(32),
    ];
    const w1 = hashToScalar(g, LABELS.aggregateProofNonce, ['w1', ...seed]);
    const w2 = hashToScalar(g, LABELS.aggregateProofNonce, ['w2', ...seed]);
    const A1 = g.mulBase(w1);
    const A2 = g.mulBase(w2);
    const B = g.add(g.mul(st.u[0], w1), g.mul(st.u[1], w2));
    const c = hashToScalar(g, LABELS.aggregateProofChallenge, transcript(g, st, D, A1, A2, B));
    return { c, z: [mod(w1 + c * dk[0], q), mod(w2 + c * dk[1], q)] };
}

/** Verify an aggregate proof from public data only. Returns false on any mismatch. */
export function verifyAggregate<E>(
    g: Group<E>,
    st: AggregateStatement<E>,
    proof: AggregateProof,
): boolean {
    const q = g.order;
    const inRange = (k: bigint): boolean => typeof k === 'bigint' && k >= 0n && k < q;
    if (!inRange(proof.c) || !inRange(proof.z[0]) || !inRange(proof.z[1])) return false;
    const D = g.sub(st.S, g.mulBase(mod(st.m, q)));
    const negC = mod(-proof.c, q);
    const A1 = g.msmVartime([g.generator, st.K[0]], [proof.z[0], negC]);
    const A2 = g.msmVartime([g.generator, st.K[1]], [proof.z[1], negC]);
    const B = g.msmVartime([st.u[0], st.u[1], D], [proof.z[0], proof.z[1], negC]);
    return (
        hashToScalar(g, LABELS.aggregateProofChallenge, transcript(g, st, D, A1, A2, B)) === proof.c
    );
}

/** Serialize a proof: c ‖ z1 ‖ z2 (canonical scalars). */
export function encodeAggregateProof<E>(g: Group<E>, p: AggregateProof): Uint8Array {
    const out = new Uint8Array(3 * g.scalarBytes);
    [p.c, p.z[0], p.z[1]].forEach((k, i) => {
        out.set(g.encodeScalar(k), i * g.scalarBytes);
    });
    return out;
}

/** Parse a proof; throws ProofError on a wrong length, DecodeError on a non-canonical scalar. */
export function decodeAggregateProof<E>(g: Group<E>, bytes: Uint8Array): AggregateProof {
    const n = g.scalarBytes;
    if (bytes.length !== 3 * n) throw new ProofError(`an aggregate proof is ${3 * n} bytes`);
    const k = (i: number, f: string): bigint =>
        g.decodeScalar(bytes.subarray(i * n, (i + 1) * n), `aggregateProof.${f}`);
    return { c: k(0, 'c'), z: [k(1, 'z1'), k(2, 'z2')] };
}
