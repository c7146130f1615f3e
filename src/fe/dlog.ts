// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/dlog
 * Bounded discrete logarithm by baby-step giant-step (Shanks), searching outward from 0.
 *
 * Baby steps: a table of fingerprints of j·G for j in [0, T), T = 2^logT.
 * Giant steps: for k = 0, −1, 1, −2, 2, ... test D − k·(T·G) against the table; a hit j gives the
 * candidate m = k·T + j, confirmed exactly by m·G == D (fingerprints are 64 of 256+ bits, so a false
 * hit is only a wasted check, never a wrong answer). Chunks grow geometrically, so a small |m| is
 * found after a few giant steps; the worst case for |m| <= B is about 2·B/T giant steps.
 * |m| > bound → {@link DlogBoundError}, never a number outside the bound.
 *
 * Variable-time: only for public group elements (decrypted bills and readings are the outputs).
 * The table serializes to bytes with a SHA-256 trailer; {@link ./dlog-file.ts} caches it on disk.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { DlogBoundError, RangeCheckError, TableIntegrityError } from './errors.js';
import { mod } from './group.js';
import type { Group } from './group.js';
import type { DlogSolver } from './ipfe.js';

const MAGIC = utf8ToBytes('FMDLOG01');
const HEADER = 8 + 16 + 4; // magic, group name (padded), logT
/** Table sizes accepted: 2^4 .. 2^28 baby steps (2^28 ≈ 2 GiB of table: a typo fails fast). */
export const MIN_LOG_T = 4;
export const MAX_LOG_T = 28;
/** Giant steps are computed in chunks of at most this many (memory of one stepKeys call). */
const MAX_CHUNK = 1 << 14;

/** Progress callback for long builds/searches. */
export type Progress = (done: number, total: number) => void;

/** A baby-step table for one group: an open-addressing hash of 64-bit fingerprints. */
export class BsgsTable<E> implements DlogSolver<E> {
    readonly group: Group<E>;
    readonly logT: number;
    /** Low 32 bits of each stored fingerprint. */
    readonly #fp: Uint32Array;
    /** j + 1 for the stored baby step (0 = empty slot). */
    readonly #idx: Uint32Array;
    readonly #mask: number;
    readonly #giant: E; // T·G
    readonly #minusGiant: E; // −T·G

    private constructor(group: Group<E>, logT: number, fp: Uint32Array, idx: Uint32Array) {
        this.group = group;
        this.logT = logT;
        this.#fp = fp;
        this.#idx = idx;
        this.#mask = idx.length - 1;
        this.#giant = group.mulBase(BigInt(2 ** logT));
        this.#minusGiant = group.neg(this.#giant);
    }

    /** Baby steps T = 2^logT. */
    get size(): number {
        return 2 ** this.logT;
    }

    /** Build the table: T fingerprints of j·G (about T group additions). */
    static build<E>(group: Group<E>, logT: number, progress?: Progress): BsgsTable<E> {
        checkLogT(logT);
        const T = 2 ** logT;
        const cap = 2 ** (logT + 1); // load factor 1/2
        const fp = new Uint32Array(cap);
        const idx = new Uint32Array(cap);
        const mask = cap - 1;
        let start = group.identity;
        const chunk = Math.min(T, MAX_CHUNK * 4);
        const stepChunk = group.mulBase(BigInt(chunk));
        for (let base = 0; base < T; base += chunk) {
            const keys = group.stepKeys(start, group.generator, Math.min(chunk, T - base));
            for (let j = 0; j < keys.length; j++) {
                const k = keys[j]!;
                const lo = Number(k & 0xffffffffn);
                let s = Number(k >> 32n) & mask;
                while (idx[s] !== 0) s = (s + 1) & mask;
                fp[s] = lo;
                idx[s] = base + j + 1;
            }
            start = group.add(start, stepChunk);
            progress?.(Math.min(base + chunk, T), T);
        }
        return new BsgsTable(group, logT, fp, idx);
    }

    /** Serialize: header, fingerprints, indices, SHA-256 of all before. */
    toBytes(): Uint8Array {
        const body = HEADER + this.#fp.byteLength + this.#idx.byteLength;
        const out = new Uint8Array(body + 32);
        out.set(MAGIC, 0);
        out.set(utf8ToBytes(this.group.name), 8);
        new DataView(out.buffer).setUint32(24, this.logT);
        out.set(new Uint8Array(this.#fp.buffer, this.#fp.byteOffset, this.#fp.byteLength), HEADER);
        out.set(
            new Uint8Array(this.#idx.buffer, this.#idx.byteOffset, this.#idx.byteLength),
            HEADER + this.#fp.byteLength,
        );
        out.set(sha256(out.subarray(0, body)), body);
        return out;
    }

    /** Parse and integrity-check a serialized table for `group`; throws TableIntegrityError. */
    static fromBytes<E>(group: Group<E>, logT: number, bytes: Uint8Array): BsgsTable<E> {
        checkLogT(logT);
        const cap = 2 ** (logT + 1);
        const body = HEADER + cap * 8;
        if (bytes.length !== body + 32)
            throw new TableIntegrityError(
                `table file has ${bytes.length} bytes, expected ${body + 32}`,
            );
        const digest = sha256(bytes.subarray(0, body));
        if (!digest.every((b, i) => b === bytes[body + i]))
            throw new TableIntegrityError('table checksum mismatch (corrupt file)');
        if (!MAGIC.every((b, i) => b === bytes[i]))
            throw new TableIntegrityError('not a femeter dlog table');
        const name = new TextDecoder().decode(bytes.subarray(8, 24)).replace(/\0+$/, '');
        if (name !== group.name)
            throw new TableIntegrityError(`table is for ${name}, not ${group.name}`);
        if (new DataView(bytes.buffer, bytes.byteOffset).getUint32(24) !== logT)
            throw new TableIntegrityError('table size mismatch');
        const copy = bytes.slice(HEADER, body); // aligned copy
        const fp = new Uint32Array(copy.buffer, 0, cap);
        const idx = new Uint32Array(copy.buffer, cap * 4, cap);
        return new BsgsTable(group, logT, fp, idx);
    }

    /** Look up a fingerprint; calls `hit(j)` for every stored j with that fingerprint. */
    #lookup(k: bigint, hit: (j: number) => boolean): boolean {
        const lo = Number(k & 0xffffffffn);
        let s = Number(k >> 32n) & this.#mask;
        for (;;) {
            const v = this.#idx[s]!;
            if (v === 0) return false;
            if (this.#fp[s] === lo && hit(v - 1)) return true;
            s = (s + 1) & this.#mask;
        }
    }

    /**
     * Find m with m·G == D and |m| <= bound, searching outward from 0.
     * @throws DlogBoundError when no such m exists.
     */
    solve(D: E, bound: bigint, progress?: Progress): bigint {
        if (typeof bound !== 'bigint' || bound < 0n)
            throw new RangeCheckError('bound must be a non-negative bigint');
        const g = this.group;
        if (bound >= g.order >> 1n) throw new RangeCheckError('bound must be below q/2');
        const T = BigInt(this.size);
        const kPos = bound / T; // largest k >= 0 with k·T <= bound
        const kNeg = (bound + T - 1n) / T; // largest |k| for negative side: k·T + (T-1) >= -bound
        let found: bigint | undefined;
        const check =
            (k: bigint) =>
            (j: number): boolean => {
                const m = k * T + BigInt(j);
                if (m > bound || m < -bound) return false;
                if (!g.equals(g.mulBase(mod(m, g.order)), D)) return false;
                found = m;
                return true;
            };
        const minusGiant = this.#minusGiant;
        let nextPos = 0n; // next k >= 0 to test
        let nextNeg = 1n; // next |k| to test on the negative side
        let chunk = 1;
        const total = Number(kPos + kNeg + 1n);
        while (nextPos <= kPos || nextNeg <= kNeg) {
            for (const side of [1, -1] as const) {
                const lo = side === 1 ? nextPos : nextNeg;
                const hi = side === 1 ? kPos : kNeg;
                if (lo > hi) continue;
                const n = Number(hi - lo + 1n < BigInt(chunk) ? hi - lo + 1n : BigInt(chunk));
                // side +1: D − k·Γ for k = lo, lo+1, ...;  side −1: D + |k|·Γ
                const step = side === 1 ? minusGiant : this.#giant;
                const start =
                    lo === 0n
                        ? D
                        : lo === 1n
                          ? g.add(D, step)
                          : g.add(D, g.mul(step, mod(lo, g.order)));
                const keys = g.stepKeys(start, step, n);
                for (let t = 0; t < n; t++) {
                    const k = side === 1 ? lo + BigInt(t) : -(lo + BigInt(t));
                    if (this.#lookup(keys[t]!, check(k))) return found!;
                }
                if (side === 1) nextPos += BigInt(n);
                else nextNeg += BigInt(n);
            }
            chunk = Math.min(chunk * 2, MAX_CHUNK);
            progress?.(Number(nextPos + nextNeg - 1n), total);
        }
        throw new DlogBoundError(bound);
    }
}

function checkLogT(logT: number): void {
    if (!Number.isInteger(logT) || logT < MIN_LOG_T || logT > MAX_LOG_T) {
        throw new RangeCheckError(`table size 2^${logT} outside 2^${MIN_LOG_T}..2^${MAX_LOG_T}`);
    }
}
