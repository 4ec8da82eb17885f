import CInterpose

// SHA-256 as specified in FIPS 180-4 ("Secure Hash Standard", August 2015).
//
// This file is shared by the Embedded Swift LD_PRELOAD library and the hosted
// test module, so it deliberately avoids anything that would allocate or need
// the full runtime: no Array, no String, no classes, no existentials. All
// state lives in stored UInt32/UInt64 properties and fixed-size tuples, and
// the round constants are folded into unrolled code as immediates rather than
// kept in a table (a global table would need lazy initialisation in hosted
// builds and a bounds-checked index in the hot loop).

/// Incremental SHA-256 hasher.
///
/// Value type with no heap storage: copying it forks the hash state, which
/// makes "hash a common prefix once, then finish several ways" trivial.
public struct SHA256 {
    // Intermediate hash value H(i) (FIPS 180-4 §6.2.2 step 4), kept as eight
    // scalar properties so the compression loop can hold them in registers.
    private var h0: UInt32 = 0x6a09_e667
    private var h1: UInt32 = 0xbb67_ae85
    private var h2: UInt32 = 0x3c6e_f372
    private var h3: UInt32 = 0xa54f_f53a
    private var h4: UInt32 = 0x510e_527f
    private var h5: UInt32 = 0x9b05_688c
    private var h6: UInt32 = 0x1f83_d9ab
    private var h7: UInt32 = 0x5be0_cd19
    // The values above are H(0) from §5.3.3.

    // Holds the tail of the input that does not yet fill a 512-bit block.
    // Eight UInt64s rather than 64 UInt8s so the buffer is 8-byte aligned and
    // the length field written during padding is an aligned store.
    private var buffer: (UInt64, UInt64, UInt64, UInt64,
                         UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var buffered: Int = 0

    // Message length in bytes. §5.1.1 needs the length in bits modulo 2^64;
    // counting bytes and multiplying at the end gives exactly that (wrapping),
    // while the standard only defines messages shorter than 2^64 bits anyway.
    private var byteCount: UInt64 = 0

    private static var blockSize: Int { 64 }

    public init() {}

    /// Feeds more message bytes. May be called any number of times.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        byteCount &+= UInt64(truncatingIfNeeded: remaining)

        // Top up a partially filled block first; only a complete block can be
        // compressed (§6.2.2 works on whole 512-bit blocks M(i)).
        if buffered > 0 {
            let take = min(Self.blockSize - buffered, remaining)
            let offset = buffered
            withUnsafeMutableBytes(of: &buffer) { buf in
                (buf.baseAddress! + offset).copyMemory(from: p, byteCount: take)
            }
            buffered += take
            p += take
            remaining -= take
            if buffered < Self.blockSize { return }
            compressBuffer()
            buffered = 0
        }

        // Whole blocks are read straight from the caller's memory: copying
        // them through `buffer` first would roughly double the memory traffic
        // for large inputs.
        let wholeBlocks = remaining / Self.blockSize
        if wholeBlocks > 0 {
            compress(p, blocks: wholeBlocks)
            p += wholeBlocks * Self.blockSize
            remaining -= wholeBlocks * Self.blockSize
        }

        if remaining > 0 {
            withUnsafeMutableBytes(of: &buffer) { buf in
                buf.baseAddress!.copyMemory(from: p, byteCount: remaining)
            }
            buffered = remaining
        }
    }

    /// Pads the message and returns its digest.
    ///
    /// Call at most once: the padding is absorbed into the state, so a second
    /// call (or a later `update`) would hash a different, meaningless message.
    public mutating func finalize() -> SHA256Digest {
        let bitLength = byteCount &* 8
        var used = buffered

        // §5.1.1: append a single '1' bit, then k '0' bits so that the length
        // is 448 mod 512, then the 64-bit big-endian message length. If the
        // '1' bit leaves no room for the length (more than 55 bytes in use),
        // the padding spills into one extra block.
        withUnsafeMutableBytes(of: &buffer) { buf in
            buf[used] = 0x80
        }
        used += 1
        if used > Self.blockSize - 8 {
            withUnsafeMutableBytes(of: &buffer) { buf in
                _ = (buf.baseAddress! + used).initializeMemory(
                    as: UInt8.self, repeating: 0, count: Self.blockSize - used)
            }
            compressBuffer()
            used = 0
        }
        withUnsafeMutableBytes(of: &buffer) { buf in
            _ = (buf.baseAddress! + used).initializeMemory(
                as: UInt8.self, repeating: 0, count: Self.blockSize - 8 - used)
            buf.storeBytes(of: bitLength.bigEndian, toByteOffset: Self.blockSize - 8,
                           as: UInt64.self)
        }
        compressBuffer()
        buffered = 0

        // §6.2.2: the digest is H(N) with each word written big-endian.
        var out: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &out) { o in
            o.storeBytes(of: h0.bigEndian, toByteOffset: 0, as: UInt32.self)
            o.storeBytes(of: h1.bigEndian, toByteOffset: 4, as: UInt32.self)
            o.storeBytes(of: h2.bigEndian, toByteOffset: 8, as: UInt32.self)
            o.storeBytes(of: h3.bigEndian, toByteOffset: 12, as: UInt32.self)
            o.storeBytes(of: h4.bigEndian, toByteOffset: 16, as: UInt32.self)
            o.storeBytes(of: h5.bigEndian, toByteOffset: 20, as: UInt32.self)
            o.storeBytes(of: h6.bigEndian, toByteOffset: 24, as: UInt32.self)
            o.storeBytes(of: h7.bigEndian, toByteOffset: 28, as: UInt32.self)
        }
        return SHA256Digest(storage: out)
    }

    /// One-shot convenience for a complete message.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    private mutating func compressBuffer() {
        // Copy out first: passing a pointer into `self.buffer` while
        // `compress` mutates `self` would be an exclusivity violation.
        var block = buffer
        withUnsafeBytes(of: &block) { b in
            compress(b.baseAddress!, blocks: 1)
        }
    }

    /// Applies the SHA-256 compression function (§6.2.2) to `blocks`
    /// consecutive 64-byte blocks starting at `base` (no alignment required).
    private mutating func compress(_ base: UnsafeRawPointer, blocks: Int) {
        if lwcr_sha256_accelerated() != 0 {
            // SHA-NI (CInterpose/sha256_ni.c): several times the portable speed.
            var state = (h0, h1, h2, h3, h4, h5, h6, h7)
            withUnsafeMutableBytes(of: &state) { s in
                lwcr_sha256_ni_blocks(s.baseAddress!.assumingMemoryBound(to: UInt32.self),
                                      base.assumingMemoryBound(to: UInt8.self), blocks)
            }
            (h0, h1, h2, h3, h4, h5, h6, h7) = state
            return
        }
        // Working on locals for the whole run lets the optimiser keep the
        // chaining value in registers across blocks instead of reloading
        // `self` for every block.
        var s0 = h0, s1 = h1, s2 = h2, s3 = h3
        var s4 = h4, s5 = h5, s6 = h6, s7 = h7
        var p = base
        for _ in 0..<blocks {
            // §6.2.2 step 1, t = 0...15: message words are big-endian (§3.1)
            // and the caller's pointer may be unaligned.
            var w0 = p.loadUnaligned(fromByteOffset: 0, as: UInt32.self).bigEndian
            var w1 = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self).bigEndian
            var w2 = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self).bigEndian
            var w3 = p.loadUnaligned(fromByteOffset: 12, as: UInt32.self).bigEndian
            var w4 = p.loadUnaligned(fromByteOffset: 16, as: UInt32.self).bigEndian
            var w5 = p.loadUnaligned(fromByteOffset: 20, as: UInt32.self).bigEndian
            var w6 = p.loadUnaligned(fromByteOffset: 24, as: UInt32.self).bigEndian
            var w7 = p.loadUnaligned(fromByteOffset: 28, as: UInt32.self).bigEndian
            var w8 = p.loadUnaligned(fromByteOffset: 32, as: UInt32.self).bigEndian
            var w9 = p.loadUnaligned(fromByteOffset: 36, as: UInt32.self).bigEndian
            var w10 = p.loadUnaligned(fromByteOffset: 40, as: UInt32.self).bigEndian
            var w11 = p.loadUnaligned(fromByteOffset: 44, as: UInt32.self).bigEndian
            var w12 = p.loadUnaligned(fromByteOffset: 48, as: UInt32.self).bigEndian
            var w13 = p.loadUnaligned(fromByteOffset: 52, as: UInt32.self).bigEndian
            var w14 = p.loadUnaligned(fromByteOffset: 56, as: UInt32.self).bigEndian
            var w15 = p.loadUnaligned(fromByteOffset: 60, as: UInt32.self).bigEndian

            // §6.2.2 step 2.
            var a = s0, b = s1, c = s2, d = s3
            var e = s4, f = s5, g = s6, h = s7
            // Seed for the Maj shortcut in `compressionRound`: b XOR c of the
            // round about to run.
            var bc = b ^ c

            // §6.2.2 step 3, fully unrolled. Instead of shifting a...h down
            // after every round (as the spec writes it), each round names the
            // variables in rotated order, so nothing is moved at all. The
            // message schedule W_t for t >= 16 is kept as a 16-word sliding
            // window: W_t only depends on W_{t-2}, W_{t-7}, W_{t-15} and
            // W_{t-16}, and W_{t-16} is the slot being overwritten. Each
            // constant is K_t from §4.2.2.
            compressionRound(a, b, c, &d, e, f, g, &h, 0x428a2f98 &+ w0, &bc)
            compressionRound(h, a, b, &c, d, e, f, &g, 0x71374491 &+ w1, &bc)
            compressionRound(g, h, a, &b, c, d, e, &f, 0xb5c0fbcf &+ w2, &bc)
            compressionRound(f, g, h, &a, b, c, d, &e, 0xe9b5dba5 &+ w3, &bc)
            compressionRound(e, f, g, &h, a, b, c, &d, 0x3956c25b &+ w4, &bc)
            compressionRound(d, e, f, &g, h, a, b, &c, 0x59f111f1 &+ w5, &bc)
            compressionRound(c, d, e, &f, g, h, a, &b, 0x923f82a4 &+ w6, &bc)
            compressionRound(b, c, d, &e, f, g, h, &a, 0xab1c5ed5 &+ w7, &bc)
            compressionRound(a, b, c, &d, e, f, g, &h, 0xd807aa98 &+ w8, &bc)
            compressionRound(h, a, b, &c, d, e, f, &g, 0x12835b01 &+ w9, &bc)
            compressionRound(g, h, a, &b, c, d, e, &f, 0x243185be &+ w10, &bc)
            compressionRound(f, g, h, &a, b, c, d, &e, 0x550c7dc3 &+ w11, &bc)
            compressionRound(e, f, g, &h, a, b, c, &d, 0x72be5d74 &+ w12, &bc)
            compressionRound(d, e, f, &g, h, a, b, &c, 0x80deb1fe &+ w13, &bc)
            compressionRound(c, d, e, &f, g, h, a, &b, 0x9bdc06a7 &+ w14, &bc)
            compressionRound(b, c, d, &e, f, g, h, &a, 0xc19bf174 &+ w15, &bc)
            w0 = w0 &+ smallSigma1(w14) &+ w9 &+ smallSigma0(w1)
            compressionRound(a, b, c, &d, e, f, g, &h, 0xe49b69c1 &+ w0, &bc)
            w1 = w1 &+ smallSigma1(w15) &+ w10 &+ smallSigma0(w2)
            compressionRound(h, a, b, &c, d, e, f, &g, 0xefbe4786 &+ w1, &bc)
            w2 = w2 &+ smallSigma1(w0) &+ w11 &+ smallSigma0(w3)
            compressionRound(g, h, a, &b, c, d, e, &f, 0x0fc19dc6 &+ w2, &bc)
            w3 = w3 &+ smallSigma1(w1) &+ w12 &+ smallSigma0(w4)
            compressionRound(f, g, h, &a, b, c, d, &e, 0x240ca1cc &+ w3, &bc)
            w4 = w4 &+ smallSigma1(w2) &+ w13 &+ smallSigma0(w5)
            compressionRound(e, f, g, &h, a, b, c, &d, 0x2de92c6f &+ w4, &bc)
            w5 = w5 &+ smallSigma1(w3) &+ w14 &+ smallSigma0(w6)
            compressionRound(d, e, f, &g, h, a, b, &c, 0x4a7484aa &+ w5, &bc)
            w6 = w6 &+ smallSigma1(w4) &+ w15 &+ smallSigma0(w7)
            compressionRound(c, d, e, &f, g, h, a, &b, 0x5cb0a9dc &+ w6, &bc)
            w7 = w7 &+ smallSigma1(w5) &+ w0 &+ smallSigma0(w8)
            compressionRound(b, c, d, &e, f, g, h, &a, 0x76f988da &+ w7, &bc)
            w8 = w8 &+ smallSigma1(w6) &+ w1 &+ smallSigma0(w9)
            compressionRound(a, b, c, &d, e, f, g, &h, 0x983e5152 &+ w8, &bc)
            w9 = w9 &+ smallSigma1(w7) &+ w2 &+ smallSigma0(w10)
            compressionRound(h, a, b, &c, d, e, f, &g, 0xa831c66d &+ w9, &bc)
            w10 = w10 &+ smallSigma1(w8) &+ w3 &+ smallSigma0(w11)
            compressionRound(g, h, a, &b, c, d, e, &f, 0xb00327c8 &+ w10, &bc)
            w11 = w11 &+ smallSigma1(w9) &+ w4 &+ smallSigma0(w12)
            compressionRound(f, g, h, &a, b, c, d, &e, 0xbf597fc7 &+ w11, &bc)
            w12 = w12 &+ smallSigma1(w10) &+ w5 &+ smallSigma0(w13)
            compressionRound(e, f, g, &h, a, b, c, &d, 0xc6e00bf3 &+ w12, &bc)
            w13 = w13 &+ smallSigma1(w11) &+ w6 &+ smallSigma0(w14)
            compressionRound(d, e, f, &g, h, a, b, &c, 0xd5a79147 &+ w13, &bc)
            w14 = w14 &+ smallSigma1(w12) &+ w7 &+ smallSigma0(w15)
            compressionRound(c, d, e, &f, g, h, a, &b, 0x06ca6351 &+ w14, &bc)
            w15 = w15 &+ smallSigma1(w13) &+ w8 &+ smallSigma0(w0)
            compressionRound(b, c, d, &e, f, g, h, &a, 0x14292967 &+ w15, &bc)
            w0 = w0 &+ smallSigma1(w14) &+ w9 &+ smallSigma0(w1)
            compressionRound(a, b, c, &d, e, f, g, &h, 0x27b70a85 &+ w0, &bc)
            w1 = w1 &+ smallSigma1(w15) &+ w10 &+ smallSigma0(w2)
            compressionRound(h, a, b, &c, d, e, f, &g, 0x2e1b2138 &+ w1, &bc)
            w2 = w2 &+ smallSigma1(w0) &+ w11 &+ smallSigma0(w3)
            compressionRound(g, h, a, &b, c, d, e, &f, 0x4d2c6dfc &+ w2, &bc)
            w3 = w3 &+ smallSigma1(w1) &+ w12 &+ smallSigma0(w4)
            compressionRound(f, g, h, &a, b, c, d, &e, 0x53380d13 &+ w3, &bc)
            w4 = w4 &+ smallSigma1(w2) &+ w13 &+ smallSigma0(w5)
            compressionRound(e, f, g, &h, a, b, c, &d, 0x650a7354 &+ w4, &bc)
            w5 = w5 &+ smallSigma1(w3) &+ w14 &+ smallSigma0(w6)
            compressionRound(d, e, f, &g, h, a, b, &c, 0x766a0abb &+ w5, &bc)
            w6 = w6 &+ smallSigma1(w4) &+ w15 &+ smallSigma0(w7)
            compressionRound(c, d, e, &f, g, h, a, &b, 0x81c2c92e &+ w6, &bc)
            w7 = w7 &+ smallSigma1(w5) &+ w0 &+ smallSigma0(w8)
            compressionRound(b, c, d, &e, f, g, h, &a, 0x92722c85 &+ w7, &bc)
            w8 = w8 &+ smallSigma1(w6) &+ w1 &+ smallSigma0(w9)
            compressionRound(a, b, c, &d, e, f, g, &h, 0xa2bfe8a1 &+ w8, &bc)
            w9 = w9 &+ smallSigma1(w7) &+ w2 &+ smallSigma0(w10)
            compressionRound(h, a, b, &c, d, e, f, &g, 0xa81a664b &+ w9, &bc)
            w10 = w10 &+ smallSigma1(w8) &+ w3 &+ smallSigma0(w11)
            compressionRound(g, h, a, &b, c, d, e, &f, 0xc24b8b70 &+ w10, &bc)
            w11 = w11 &+ smallSigma1(w9) &+ w4 &+ smallSigma0(w12)
            compressionRound(f, g, h, &a, b, c, d, &e, 0xc76c51a3 &+ w11, &bc)
            w12 = w12 &+ smallSigma1(w10) &+ w5 &+ smallSigma0(w13)
            compressionRound(e, f, g, &h, a, b, c, &d, 0xd192e819 &+ w12, &bc)
            w13 = w13 &+ smallSigma1(w11) &+ w6 &+ smallSigma0(w14)
            compressionRound(d, e, f, &g, h, a, b, &c, 0xd6990624 &+ w13, &bc)
            w14 = w14 &+ smallSigma1(w12) &+ w7 &+ smallSigma0(w15)
            compressionRound(c, d, e, &f, g, h, a, &b, 0xf40e3585 &+ w14, &bc)
            w15 = w15 &+ smallSigma1(w13) &+ w8 &+ smallSigma0(w0)
            compressionRound(b, c, d, &e, f, g, h, &a, 0x106aa070 &+ w15, &bc)
            w0 = w0 &+ smallSigma1(w14) &+ w9 &+ smallSigma0(w1)
            compressionRound(a, b, c, &d, e, f, g, &h, 0x19a4c116 &+ w0, &bc)
            w1 = w1 &+ smallSigma1(w15) &+ w10 &+ smallSigma0(w2)
            compressionRound(h, a, b, &c, d, e, f, &g, 0x1e376c08 &+ w1, &bc)
            w2 = w2 &+ smallSigma1(w0) &+ w11 &+ smallSigma0(w3)
            compressionRound(g, h, a, &b, c, d, e, &f, 0x2748774c &+ w2, &bc)
            w3 = w3 &+ smallSigma1(w1) &+ w12 &+ smallSigma0(w4)
            compressionRound(f, g, h, &a, b, c, d, &e, 0x34b0bcb5 &+ w3, &bc)
            w4 = w4 &+ smallSigma1(w2) &+ w13 &+ smallSigma0(w5)
            compressionRound(e, f, g, &h, a, b, c, &d, 0x391c0cb3 &+ w4, &bc)
            w5 = w5 &+ smallSigma1(w3) &+ w14 &+ smallSigma0(w6)
            compressionRound(d, e, f, &g, h, a, b, &c, 0x4ed8aa4a &+ w5, &bc)
            w6 = w6 &+ smallSigma1(w4) &+ w15 &+ smallSigma0(w7)
            compressionRound(c, d, e, &f, g, h, a, &b, 0x5b9cca4f &+ w6, &bc)
            w7 = w7 &+ smallSigma1(w5) &+ w0 &+ smallSigma0(w8)
            compressionRound(b, c, d, &e, f, g, h, &a, 0x682e6ff3 &+ w7, &bc)
            w8 = w8 &+ smallSigma1(w6) &+ w1 &+ smallSigma0(w9)
            compressionRound(a, b, c, &d, e, f, g, &h, 0x748f82ee &+ w8, &bc)
            w9 = w9 &+ smallSigma1(w7) &+ w2 &+ smallSigma0(w10)
            compressionRound(h, a, b, &c, d, e, f, &g, 0x78a5636f &+ w9, &bc)
            w10 = w10 &+ smallSigma1(w8) &+ w3 &+ smallSigma0(w11)
            compressionRound(g, h, a, &b, c, d, e, &f, 0x84c87814 &+ w10, &bc)
            w11 = w11 &+ smallSigma1(w9) &+ w4 &+ smallSigma0(w12)
            compressionRound(f, g, h, &a, b, c, d, &e, 0x8cc70208 &+ w11, &bc)
            w12 = w12 &+ smallSigma1(w10) &+ w5 &+ smallSigma0(w13)
            compressionRound(e, f, g, &h, a, b, c, &d, 0x90befffa &+ w12, &bc)
            w13 = w13 &+ smallSigma1(w11) &+ w6 &+ smallSigma0(w14)
            compressionRound(d, e, f, &g, h, a, b, &c, 0xa4506ceb &+ w13, &bc)
            w14 = w14 &+ smallSigma1(w12) &+ w7 &+ smallSigma0(w15)
            compressionRound(c, d, e, &f, g, h, a, &b, 0xbef9a3f7 &+ w14, &bc)
            w15 = w15 &+ smallSigma1(w13) &+ w8 &+ smallSigma0(w0)
            compressionRound(b, c, d, &e, f, g, h, &a, 0xc67178f2 &+ w15, &bc)

            // §6.2.2 step 4.
            s0 = s0 &+ a; s1 = s1 &+ b; s2 = s2 &+ c; s3 = s3 &+ d
            s4 = s4 &+ e; s5 = s5 &+ f; s6 = s6 &+ g; s7 = s7 &+ h
            p += Self.blockSize
        }
        h0 = s0; h1 = s1; h2 = s2; h3 = s3
        h4 = s4; h5 = s5; h6 = s6; h7 = s7
    }
}

// MARK: - FIPS 180-4 §4.1.2 functions

// ROTR^n (§3.2). Written as two shifts with masking operators so it compiles
// to a single rotate instruction and carries no overflow/shift-range checks.
@inline(__always)
private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
    (x &>> n) | (x &<< (32 &- n))
}

@inline(__always)
private func smallSigma0(_ x: UInt32) -> UInt32 {
    rotr(x, 7) ^ rotr(x, 18) ^ (x &>> 3)
}

@inline(__always)
private func smallSigma1(_ x: UInt32) -> UInt32 {
    rotr(x, 17) ^ rotr(x, 19) ^ (x &>> 10)
}

/// One round of §6.2.2 step 3. Only `d` and `h` change when the variable
/// names rotate instead of the values (d becomes the new e, h the new a).
/// `kw` is K_t + W_t, pre-added by the caller. `bc` carries b XOR c in and
/// a XOR b out, which is exactly the next round's b XOR c (see Maj below).
@inline(__always)
private func compressionRound(
    _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
    _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32,
    _ kw: UInt32, _ bc: inout UInt32
) {
    let bigSigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
    // Ch(e,f,g) = (e AND f) XOR (NOT e AND g); selecting via XOR saves the
    // NOT and one AND and is bit-for-bit the same function.
    let ch = g ^ (e & (f ^ g))
    let t1 = h &+ bigSigma1 &+ ch &+ kw
    let bigSigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
    // Maj(a,b,c) = (a AND b) XOR (a AND c) XOR (b AND c). Where a = b the
    // majority is b, elsewhere it is c, so Maj = b XOR ((a XOR b) AND
    // (b XOR c)). After renaming, this round's a XOR b is the next round's
    // b XOR c, so each round computes only one XOR for Maj (about 4% fewer
    // instructions per block on x86-64 than the plain formula).
    let ab = a ^ b
    let maj = b ^ (ab & bc)
    bc = ab
    d = d &+ t1
    h = t1 &+ bigSigma0 &+ maj
}

// MARK: - Digest

/// A 256-bit SHA-256 message digest.
public struct SHA256Digest: Equatable {
    /// From the 32 digest bytes (a remembered digest).
    public init(raw: UnsafeRawBufferPointer) {
        var s: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &s) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<32])) }
        self.storage = s
    }

    // The 32 digest bytes in output order. Four UInt64s so comparison and
    // copying are a handful of word operations with no heap storage.
    private var storage: (UInt64, UInt64, UInt64, UInt64)

    fileprivate init(storage: (UInt64, UInt64, UInt64, UInt64)) {
        self.storage = storage
    }

    /// Parses exactly 64 hex digits (upper or lower case); nil on any other
    /// length or character.
    public init?(hex: UnsafeRawBufferPointer) {
        guard hex.count == 64 else { return nil }
        var out: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &out) { o -> Bool in
            for i in 0..<32 {
                guard let hi = Hex.value(hex[2 * i]), let lo = Hex.value(hex[2 * i + 1]) else { return false }
                o[i] = hi &<< 4 | lo
            }
            return true
        }
        guard ok else { return nil }
        storage = out
    }

    /// Compares in constant time (no early exit).
    ///
    /// Use this when one side is secret or attacker-supplied (e.g. checking a
    /// digest an untrusted party claims), so timing does not reveal the length
    /// of the matching prefix.
    public func constantTimeEquals(_ other: SHA256Digest) -> Bool {
        // OR-accumulating the XOR of every word gives one data-independent
        // pass; only the final zero test branches.
        let diff = (storage.0 ^ other.storage.0) | (storage.1 ^ other.storage.1)
            | (storage.2 ^ other.storage.2) | (storage.3 ^ other.storage.3)
        return diff == 0
    }

    public static func == (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        // Tuples are not Equatable, so this cannot be synthesised; reusing the
        // constant-time path costs nothing and avoids a timing-leaky `==`.
        lhs.constantTimeEquals(rhs)
    }

    /// Writes 64 lowercase hex digits; `buffer.count` must be >= 64.
    public func writeHex(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= 64, "SHA256Digest.writeHex needs 64 bytes")
        withUnsafeBytes { bytes in
            for i in 0..<32 {
                buffer[2 * i] = Hex.digit(bytes[i] &>> 4)
                buffer[2 * i + 1] = Hex.digit(bytes[i] & 0xF)
            }
        }
    }

    /// Calls `body` with the 32 digest bytes; the pointer is only valid
    /// inside `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var copy = storage
        return Swift.withUnsafeBytes(of: &copy) { body($0) }
    }
}
