// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/bytequeue
 * The receive buffer of the stream decoders: bytes are appended in amortised O(1) (capacity
 * doubles) and consumed from the front, so a telegram arriving one byte per read costs linear, not
 * quadratic, time. The decoders bound what it holds (`maxBytes`).
 */

/** A growable byte buffer consumed from the front. */
export class ByteQueue {
    private data = new Uint8Array(256);
    private start = 0;
    private end = 0;

    /** Appends a chunk. */
    push(chunk: Uint8Array): void {
        const length = this.end - this.start;
        if (this.end + chunk.length > this.data.length) {
            if (length + chunk.length <= this.data.length / 2) {
                this.data.copyWithin(0, this.start, this.end);
            } else {
                let cap = this.data.length;
                while (cap < (length + chunk.length) * 2) cap *= 2;
                const next = new Uint8Array(cap);
                next.set(this.data.subarray(this.start, this.end));
                this.data = next;
            }
            this.start = 0;
            this.end = length;
        }
        this.data.set(chunk, this.end);
        this.end += chunk.length;
    }

    /** The bytes held (a view: valid until the next push or drop). */
    view(): Uint8Array {
        return this.data.subarray(this.start, this.end);
    }

    /** Removes `n` bytes from the front. */
    drop(n: number): void {
        this.start = Math.min(this.end, this.start + n);
        if (this.start === this.end) {
            this.start = 0;
            this.end = 0;
        }
    }

    /** Removes everything. */
    clear(): void {
        this.start = 0;
        this.end = 0;
        if (this.data.length > 65_536) this.data = new Uint8Array(256);
    }

    get length(): number {
        return this.end - this.start;
    }
}
