// Ed25519 signature verification as specified in RFC 8032 ("Edwards-Curve
// Digital Signature Algorithm (EdDSA)", January 2017), §5.1.
//
// Verification only: there is no signing, so no secret ever reaches this
// file. Everything verify() touches (public key, message, signature) is
// public, which is why decoding, point comparison and the scalar
// multiplication may branch on their inputs; those functions say "Vartime"
// in their comments. The field arithmetic and the scalar reduction are
// branch-free regardless, so they could later serve code that handles
// secrets.
//
// Like SHA256.swift and SHA512.swift this is shared by the Embedded Swift
// library and the hosted test module, so it allocates nothing: field
// elements, points and scalars are structs of UInt64s, and constants are
// computed properties that fold to immediates rather than global tables
// (which would need lazy initialisation in hosted builds).
//
// Which equation: verify() checks the cofactorless equation [S]B = R + [k]A,
// which RFC 8032 §5.1.7 step 3 allows ("It's sufficient, but not required,
// to instead check [S]B = R + [k]A"). It is the equation OpenSSL and OpenSSH
// check (their ref10-derived code recomputes [S]B - [k]A and compares its
// encoding with the signature's R bytes; comparing points against a strictly
// decoded R, as here, is equivalent). Every signature made per §5.1.6
// satisfies both equations, so the choice only matters for crafted
// signatures whose R or A has a small-order component: the cofactored
// equation would accept some of those, which OpenSSL and OpenSSH reject.
// Public keys of small order are rejected outright (`Point.hasSmallOrder`).

/// Ed25519 (RFC 8032 §5.1) signature verification.
public enum Ed25519 {
    /// RFC 8032 5.1.7 verification of `signature` (64 bytes: R || S) over
    /// `message` by `publicKey` (32 bytes).
    ///
    /// Returns false for: wrong lengths; S >= L (non-canonical S); a public
    /// key or R that is not a valid point encoding (including y >= p and the
    /// x = 0 with sign bit 1 encoding); a public key of small order (one whose
    /// order divides 8); and any signature failing the cofactorless equation
    /// [S]B = R + [k]A with k = SHA-512(R || A || message) mod L.
    public static func verify(signature: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer,
                              publicKey: UnsafeRawBufferPointer) -> Bool {
        guard signature.count == 64, publicKey.count == 32,
              let sig = signature.baseAddress, let key = publicKey.baseAddress
        else { return false }

        // §5.1.7 step 1: decode S, R and A; any failure (including S out of
        // range, §5.1.7 "If any of the decodings fail (including S being out
        // of range), the signature is invalid") rejects. S comes first because
        // it is the cheapest check.
        let s = Scalar(loading: sig + 32)
        guard s.isCanonical else { return false }
        guard let a = Point(decoding: key), let r = Point(decoding: sig) else { return false }
        // A key of order dividing 8 makes [k]A take at most 8 values whatever
        // the message, so signatures by it are meaningless: reject it.
        guard !a.hasSmallOrder else { return false }

        // §5.1.7 step 2: k = SHA-512(dom2(F, C) || R || A || PH(M)); for
        // Ed25519 (no context, no prehash) dom2 is empty and PH is the
        // identity. The encodings hashed are the bytes as received, which are
        // canonical because decoding just checked them.
        var hasher = SHA512()
        hasher.update(UnsafeRawBufferPointer(start: sig, count: 32))
        hasher.update(UnsafeRawBufferPointer(start: key, count: 32))
        hasher.update(message)
        let k = hasher.finalize().withUnsafeBytes { Scalar(reducingWide: $0.baseAddress!) }

        // §5.1.7 step 3, cofactorless: [S]B - [k]A must equal R.
        let check = Point.doubleScalarMultiplyVartime(s, .base, k, a.negated)
        return check.isEqual(to: r)
    }
}

// MARK: - Field arithmetic mod p = 2^255 - 19

extension Ed25519 {
    /// An element of GF(p), p = 2^255 - 19 (RFC 8032 §5.1; RFC 7748 §4.1),
    /// as five unsigned limbs in radix 2^51: value = l0 + l1*2^51 + l2*2^102
    /// + l3*2^153 + l4*2^204.
    ///
    /// Invariant ("loosely reduced"): every limb is below 2^51 + 2^15. Every
    /// operation below accepts and returns such values; the representation
    /// is not unique (value + p may also fit), so compare with `isZero` or
    /// `canonicalWords()`, never limb by limb. All operations are
    /// branch-free.
    struct FieldElement {
        var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64

        @inline(__always)
        init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64) {
            self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4
        }

        @inline(__always) static var mask: UInt64 { (1 &<< 51) &- 1 }
        @inline(__always) static var zero: FieldElement { FieldElement(0, 0, 0, 0, 0) }
        @inline(__always) static var one: FieldElement { FieldElement(1, 0, 0, 0, 0) }

        // The constants below were computed from their definitions in RFC
        // 8032 §5.1 (d = -121665/121666, the square root of -1 = 2^((p-1)/4))
        // and are fully reduced.

        /// d = -121665/121666 mod p, the curve constant (§5.1).
        @inline(__always) static var d: FieldElement {
            FieldElement(0x34dca1_35978a3, 0x1a8283_b156ebd, 0x5e7a26_001c029,
                         0x739c66_3a03cbb, 0x52036c_ee2b6ff)
        }

        /// 2d mod p, the factor in the addition formula's C term (§5.1.4).
        @inline(__always) static var d2: FieldElement {
            FieldElement(0x69b942_6b2f159, 0x350507_62add7a, 0x3cf44c_0038052,
                         0x6738cc_7407977, 0x2406d9_dc56dff)
        }

        /// 2^((p-1)/4) mod p, a square root of -1 (§5.1.3 step 3).
        @inline(__always) static var sqrtMinusOne: FieldElement {
            FieldElement(0x61b274_a0ea0b0, 0x0d5a5f_c8f189d, 0x7ef5e9_cbd0c60,
                         0x78595a_6804c9e, 0x2b8324_804fc1d)
        }

        /// Parses the low 255 bits of four little-endian 64-bit words (the
        /// caller has cleared bit 255). No reduction is needed: each limb is
        /// 51 bits of the input.
        @inline(__always)
        init(words w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
            let m = Self.mask
            self.init(w0 & m,
                      ((w0 &>> 51) | (w1 &<< 13)) & m,
                      ((w1 &>> 38) | (w2 &<< 26)) & m,
                      ((w2 &>> 25) | (w3 &<< 39)) & m,
                      (w3 &>> 12) & m)
        }

        /// One carry pass over limbs that may be up to about 2^54, folding
        /// the carry out of l4 back into l0 times 19 (2^255 = 19 mod p).
        /// The result is loosely reduced: l1...l4 < 2^51, l0 < 2^51 + 19*8.
        @inline(__always)
        static func carried(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64,
                            _ l4: UInt64) -> FieldElement {
            let m = mask
            var c = l0 &>> 51
            let r0 = l0 & m
            let t1 = l1 &+ c
            c = t1 &>> 51
            let t2 = l2 &+ c
            c = t2 &>> 51
            let t3 = l3 &+ c
            c = t3 &>> 51
            let t4 = l4 &+ c
            c = t4 &>> 51
            return FieldElement(r0 &+ c &* 19, t1 & m, t2 & m, t3 & m, t4 & m)
        }

        @inline(__always)
        static func + (a: FieldElement, b: FieldElement) -> FieldElement {
            // Limb sums stay below 2^53, so no overflow before the carry.
            carried(a.l0 &+ b.l0, a.l1 &+ b.l1, a.l2 &+ b.l2, a.l3 &+ b.l3, a.l4 &+ b.l4)
        }

        @inline(__always)
        static func - (a: FieldElement, b: FieldElement) -> FieldElement {
            // Adds 2p limb-wise first (2p = (2^52 - 38) + (2^52 - 2)*2^51 +
            // ... ) so no limb goes negative: each limb of a loosely reduced
            // b is below the matching limb of 2p.
            carried(a.l0 &+ 0xF_FFFF_FFFF_FFDA &- b.l0,
                    a.l1 &+ 0xF_FFFF_FFFF_FFFE &- b.l1,
                    a.l2 &+ 0xF_FFFF_FFFF_FFFE &- b.l2,
                    a.l3 &+ 0xF_FFFF_FFFF_FFFE &- b.l3,
                    a.l4 &+ 0xF_FFFF_FFFF_FFFE &- b.l4)
        }

        @inline(__always)
        static prefix func - (a: FieldElement) -> FieldElement {
            zero - a
        }

        /// Schoolbook product of the five limbs. A partial product a_i*b_j
        /// with i + j >= 5 has weight 2^(51(i+j)) = 2^255 * 2^(51(i+j-5)),
        /// and 2^255 = 19 mod p, so it folds into column i + j - 5 times 19.
        static func * (a: FieldElement, b: FieldElement) -> FieldElement {
            // b_j*19 < 2^57 for loosely reduced b, so each 128-bit partial
            // product is below 2^109 and each column sum below 2^112.
            let b1 = b.l1 &* 19, b2 = b.l2 &* 19, b3 = b.l3 &* 19, b4 = b.l4 &* 19
            let t0 = sumOfProducts(a.l0, b.l0, a.l1, b4, a.l2, b3, a.l3, b2, a.l4, b1)
            let t1 = sumOfProducts(a.l0, b.l1, a.l1, b.l0, a.l2, b4, a.l3, b3, a.l4, b2)
            let t2 = sumOfProducts(a.l0, b.l2, a.l1, b.l1, a.l2, b.l0, a.l3, b4, a.l4, b3)
            let t3 = sumOfProducts(a.l0, b.l3, a.l1, b.l2, a.l2, b.l1, a.l3, b.l0, a.l4, b4)
            let t4 = sumOfProducts(a.l0, b.l4, a.l1, b.l3, a.l2, b.l2, a.l3, b.l1, a.l4, b.l0)
            return reduceWide(t0, t1, t2, t3, t4)
        }

        /// self * self with the symmetric cross products computed once
        /// (15 multiplications instead of 25).
        func squared() -> FieldElement {
            let a0 = l0, a1 = l1, a2 = l2, a3 = l3, a4 = l4
            let d0 = a0 &* 2, d1 = a1 &* 2, d2 = a2 &* 2, d3 = a3 &* 2
            let a3x19 = a3 &* 19, a4x19 = a4 &* 19
            // Column k collects a_i*a_j with i + j = k, plus 19 times those
            // with i + j = k + 5 (see `*`); i != j terms appear twice. The
            // zero pairs fold away when inlined.
            let t0 = sumOfProducts(a0, a0, d1, a4x19, d2, a3x19, 0, 0, 0, 0)
            let t1 = sumOfProducts(d0, a1, d2, a4x19, a3, a3x19, 0, 0, 0, 0)
            let t2 = sumOfProducts(d0, a2, a1, a1, d3, a4x19, 0, 0, 0, 0)
            let t3 = sumOfProducts(d0, a3, d1, a2, a4, a4x19, 0, 0, 0, 0)
            let t4 = sumOfProducts(d0, a4, d1, a3, a2, a2, 0, 0, 0, 0)
            return Self.reduceWide(t0, t1, t2, t3, t4)
        }

        /// `squared()` applied `n` times: self^(2^n).
        func squared(times n: Int) -> FieldElement {
            var x = self
            for _ in 0..<n { x = x.squared() }
            return x
        }

        /// Carries five 128-bit column sums (each below 2^112, with t4 below
        /// 2^107 because column 4 has no factor-19 terms) into a loosely
        /// reduced element.
        @inline(__always)
        private static func reduceWide(_ t0: Wide, _ t1: Wide, _ t2: Wide,
                                       _ t3: Wide, _ t4: Wide) -> FieldElement {
            let m = mask
            let r0 = t0.low & m
            let u1 = t1.adding(t0.shiftedRight51)
            let r1 = u1.low & m
            let u2 = t2.adding(u1.shiftedRight51)
            let r2 = u2.low & m
            let u3 = t3.adding(u2.shiftedRight51)
            let r3 = u3.low & m
            let u4 = t4.adding(u3.shiftedRight51)
            let r4 = u4.low & m
            // u4 < 2^108, so the carry is below 2^57 and 19 times it fits a
            // UInt64 with room to spare; one more step brings l0 under 2^51.
            let s0 = r0 &+ u4.shiftedRight51 &* 19
            return FieldElement(s0 & m, r1 &+ (s0 &>> 51), r2, r3, r4)
        }

        /// self^((p-5)/8) = self^(2^252 - 3), the exponent in the square root
        /// of RFC 8032 §5.1.3 step 3.
        ///
        /// Fixed addition chain: builds self^(2^250 - 1) from runs of ones
        /// (2^5-1, 2^10-1, 2^20-1, ...), then 2^252 - 3 = (2^250 - 1)*4 + 1.
        func pow22523() -> FieldElement {
            let x2 = squared()                              // 2
            let x9 = x2.squared(times: 2) * self            // 9
            let x11 = x9 * x2                               // 11
            let x31 = x11.squared() * x9                    // 2^5 - 1
            let e10 = x31.squared(times: 5) * x31           // 2^10 - 1
            let e20 = e10.squared(times: 10) * e10          // 2^20 - 1
            let e40 = e20.squared(times: 20) * e20          // 2^40 - 1
            let e50 = e40.squared(times: 10) * e10          // 2^50 - 1
            let e100 = e50.squared(times: 50) * e50         // 2^100 - 1
            let e200 = e100.squared(times: 100) * e100      // 2^200 - 1
            let e250 = e200.squared(times: 50) * e50        // 2^250 - 1
            return e250.squared(times: 2) * self            // 2^252 - 3
        }

        /// The unique representative in [0, p), packed into four
        /// little-endian 64-bit words (the RFC 8032 §5.1.2 encoding of the
        /// value, without a sign bit).
        func canonicalWords() -> (UInt64, UInt64, UInt64, UInt64) {
            // For loosely reduced limbs the value h is below 2p, so
            // q = floor((h + 19) / 2^255) is 1 exactly when h >= p. The chain
            // below computes q by propagating the carries of h + 19 without
            // storing the sum.
            var q = (l0 &+ 19) &>> 51
            q = (l1 &+ q) &>> 51
            q = (l2 &+ q) &>> 51
            q = (l3 &+ q) &>> 51
            q = (l4 &+ q) &>> 51
            // h - q*p = h + 19q - q*2^255: add 19q, carry, and drop bit 255
            // (the final carry, which equals q).
            let m = Self.mask
            var r0 = l0 &+ q &* 19
            var r1 = l1 &+ (r0 &>> 51); r0 &= m
            var r2 = l2 &+ (r1 &>> 51); r1 &= m
            var r3 = l3 &+ (r2 &>> 51); r2 &= m
            var r4 = l4 &+ (r3 &>> 51); r3 &= m
            r4 &= m
            return (r0 | (r1 &<< 51),
                    (r1 &>> 13) | (r2 &<< 38),
                    (r2 &>> 26) | (r3 &<< 25),
                    (r3 &>> 39) | (r4 &<< 12))
        }

        /// Whether the value is 0 mod p.
        var isZero: Bool {
            let w = canonicalWords()
            return (w.0 | w.1 | w.2 | w.3) == 0
        }

        /// Whether the canonical value is odd: RFC 8032 §5.1.2 calls odd x
        /// "negative" and stores that bit as the sign of an encoded point.
        var isNegative: Bool {
            canonicalWords().0 & 1 == 1
        }
    }
}

/// A 128-bit column sum of the field multiplication as two words.
///
/// Not UInt128: with -O that compiles to the same instructions, but in
/// unoptimised builds (which `swift test` uses by default) its generic
/// conversions from UInt64 and its shifts cost about 100 ns each, and one
/// verification took 13 ms there instead of about 2.5 ms. For the same
/// reason a column is summed in one `sumOfProducts` call rather than through
/// a chain of small operator calls. With -O all of this compiles to MUL,
/// ADD/ADC and SHLD.
private struct Wide {
    var low: UInt64
    var high: UInt64

    /// self + x for a word x (the caller keeps the sum below 2^128). The
    /// low word wrapped exactly when it ended up below the addend.
    @inline(__always)
    func adding(_ x: UInt64) -> Wide {
        let sum = low &+ x
        return Wide(low: sum, high: high &+ (sum < x ? 1 : 0))
    }

    /// floor(self / 2^51), for values below 2^115 (so it fits a UInt64).
    @inline(__always)
    var shiftedRight51: UInt64 {
        (high &<< 13) | (low &>> 51)
    }
}

/// a0*b0 + a1*b1 + a2*b2 + a3*b3 + a4*b4 with full 128-bit products (one
/// MUL each on x86-64, MUL/UMULH on arm64). Callers keep every product below
/// 2^110, so the sum cannot overflow 128 bits. Each low-word addition
/// wrapped exactly when the sum ends up below the addend, and then carries
/// one into the high word.
@inline(__always)
private func sumOfProducts(_ a0: UInt64, _ b0: UInt64, _ a1: UInt64, _ b1: UInt64,
                           _ a2: UInt64, _ b2: UInt64, _ a3: UInt64, _ b3: UInt64,
                           _ a4: UInt64, _ b4: UInt64) -> Wide {
    var p = a0.multipliedFullWidth(by: b0)
    var low = p.low, high = p.high
    p = a1.multipliedFullWidth(by: b1)
    low = low &+ p.low
    high = high &+ p.high &+ (low < p.low ? 1 : 0)
    p = a2.multipliedFullWidth(by: b2)
    low = low &+ p.low
    high = high &+ p.high &+ (low < p.low ? 1 : 0)
    p = a3.multipliedFullWidth(by: b3)
    low = low &+ p.low
    high = high &+ p.high &+ (low < p.low ? 1 : 0)
    p = a4.multipliedFullWidth(by: b4)
    low = low &+ p.low
    high = high &+ p.high &+ (low < p.low ? 1 : 0)
    return Wide(low: low, high: high)
}

// MARK: - Points

extension Ed25519 {
    /// A point of edwards25519, -x^2 + y^2 = 1 + d*x^2*y^2 (RFC 8032 §5.1),
    /// in extended homogeneous coordinates (X:Y:Z:T) with x = X/Z, y = Y/Z
    /// and x*y = T/Z (§5.1.4).
    struct Point {
        var x: FieldElement, y: FieldElement, z: FieldElement, t: FieldElement

        @inline(__always)
        init(x: FieldElement, y: FieldElement, z: FieldElement, t: FieldElement) {
            self.x = x; self.y = y; self.z = z; self.t = t
        }

        /// The neutral element (0, 1).
        static var identity: Point {
            Point(x: .zero, y: .one, z: .one, t: .zero)
        }

        /// The base point B of §5.1: y = 4/5 and x even ("positive"),
        /// computed from that definition; x and y match the decimal values
        /// in RFC 8032 §5.1's table.
        static var base: Point {
            Point(x: FieldElement(0x62d608_f25d51a, 0x412a4b_4f6592a, 0x75b717_1a4b31d,
                                  0x1ff605_27118fe, 0x216936_d3cd6e5),
                  y: FieldElement(0x666666_6666658, 0x4ccccc_ccccccc, 0x199999_9999999,
                                  0x333333_3333333, 0x666666_6666666),
                  z: .one,
                  t: FieldElement(0x68ab3a_5b7dda3, 0x00eea2_a5eadbb, 0x2af8df_483c27e,
                                  0x332b37_5274732, 0x67875f_0fd78b7))
        }

        /// Decodes a 32-byte point encoding per RFC 8032 §5.1.3; nil if it
        /// is not a valid, canonical encoding. Vartime: branches on the
        /// (public) input.
        init?(decoding p: UnsafeRawPointer) {
            // Step 1: the encoding is y (255 bits, little-endian) with the
            // sign of x in bit 255. y >= p must be rejected, not reduced,
            // or one point would have several accepted encodings.
            let w0 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            let w1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let w2 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            let w3Signed = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            let wantNegative = w3Signed &>> 63 == 1
            let w3 = w3Signed & 0x7FFF_FFFF_FFFF_FFFF
            // The 255-bit values >= p = 2^255 - 19 are exactly 2^255-19 ...
            // 2^255-1: all high bits set and the low word >= 2^64 - 19.
            if w3 == 0x7FFF_FFFF_FFFF_FFFF && w2 == UInt64.max && w1 == UInt64.max
                && w0 >= 0xFFFF_FFFF_FFFF_FFED {
                return nil
            }
            let y = FieldElement(words: w0, w1, w2, w3)

            // Steps 2-3: x^2 = u/v with u = y^2 - 1, v = d*y^2 + 1. The
            // candidate root is x = u*v^3 * (u*v^7)^((p-5)/8), which avoids
            // a separate inversion of v.
            let yy = y.squared()
            let u = yy - .one
            let v = yy * .d + .one
            let v3 = v.squared() * v
            let v7 = v3.squared() * v
            var x = u * v3 * (u * v7).pow22523()
            let vxx = v * x.squared()
            if (vxx - u).isZero {
                // x is a square root of u/v.
            } else if (vxx + u).isZero {
                // x is a square root of -u/v; times sqrt(-1) fixes that.
                x = x * .sqrtMinusOne
            } else {
                return nil  // u/v is not a square: no point has this y.
            }

            // Step 4: pick the root with the encoded sign; x = 0 has only
            // one root, so a set sign bit with x = 0 is invalid.
            let isNegative = x.isNegative
            if x.isZero && wantNegative { return nil }
            if isNegative != wantNegative { x = -x }
            self.init(x: x, y: y, z: .one, t: x * y)
        }

        /// -P = (-x, y), i.e. (-X : Y : Z : -T).
        var negated: Point {
            Point(x: -x, y: y, z: z, t: -t)
        }

        /// Doubling formula of RFC 8032 §5.1.4 (4 squarings, 4 products).
        /// It does not read T.
        func doubled() -> Point {
            let a = x.squared()
            let b = y.squared()
            let c = z.squared() + z.squared()
            let h = a + b
            let e = h - (x + y).squared()
            let g = a - b
            let f = c + g
            return Point(x: e * f, y: g * h, z: f * g, t: e * h)
        }

        /// P + Q for Q in cached form: the addition formula of RFC 8032
        /// §5.1.4, which is complete (correct for every pair of points,
        /// including P = Q and the identity), with Q's share precomputed.
        static func + (p: Point, q: CachedPoint) -> Point {
            let a = (p.y - p.x) * q.yMinusX
            let b = (p.y + p.x) * q.yPlusX
            let c = p.t * q.t2d
            let d = p.z * q.z2
            let e = b - a
            let f = d - c
            let g = d + c
            let h = b + a
            return Point(x: e * f, y: g * h, z: f * g, t: e * h)
        }

        /// Q's operands of the addition formula that depend on Q alone.
        var cached: CachedPoint {
            CachedPoint(yPlusX: y + x, yMinusX: y - x, z2: z + z, t2d: t * .d2)
        }

        /// Whether P and Q are the same point: x1/z1 = x2/z2 and y1/z1 =
        /// y2/z2, compared cross-multiplied so no inversion is needed.
        /// Vartime: stops at the first coordinate that differs.
        func isEqual(to other: Point) -> Bool {
            (x * other.z - other.x * z).isZero && (y * other.z - other.y * z).isZero
        }

        /// Whether the order of P divides 8, i.e. [8]P is the identity.
        ///
        /// The curve has #E = 2^c * L points with c = 3 and L an odd prime
        /// (RFC 8032 §3.1, §5.1), so exactly eight points qualify: the
        /// subgroup of order 8, identity included. [8]P is computed with
        /// three doublings; the doubling formula is complete, so this is
        /// exact for every point. Vartime like `isEqual`.
        var hasSmallOrder: Bool {
            let p8 = doubled().doubled().doubled()
            return p8.x.isZero && (p8.y - p8.z).isZero
        }

        /// [s1]P1 + [s2]P2 by joint double-and-add over the bits of both
        /// scalars (Straus/Shamir): one doubling per bit and an addition for
        /// each set bit. Vartime: which additions happen depends on the
        /// scalars, which is fine for verification's public scalars only.
        static func doubleScalarMultiplyVartime(_ s1: Scalar, _ p1: Point,
                                                _ s2: Scalar, _ p2: Point) -> Point {
            let c1 = p1.cached, c2 = p2.cached
            var acc = Point.identity
            // Both scalars are below L < 2^253, so bits 253...255 are zero.
            var i = 252
            while i >= 0 {
                acc = acc.doubled()
                if s1.bit(i) { acc = acc + c1 }
                if s2.bit(i) { acc = acc + c2 }
                i -= 1
            }
            return acc
        }
    }

    /// The second operand of the §5.1.4 addition formula, precomputed:
    /// Y+X, Y-X, 2Z and 2d*T.
    struct CachedPoint {
        var yPlusX: FieldElement, yMinusX: FieldElement, z2: FieldElement, t2d: FieldElement
    }
}

// MARK: - Scalars mod L

extension Ed25519 {
    /// An integer below 2^256 as four little-endian 64-bit words, used for
    /// scalars mod L = 2^252 + 27742317777372353535851937790883648493, the
    /// order of the base point (RFC 8032 §5.1).
    struct Scalar {
        var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

        // L as four little-endian words.
        @inline(__always) static var l0: UInt64 { 0x5812631a_5cf5d3ed }
        @inline(__always) static var l1: UInt64 { 0x14def9de_a2f79cd6 }
        @inline(__always) static var l2: UInt64 { 0 }
        @inline(__always) static var l3: UInt64 { 0x10000000_00000000 }

        /// The 32 little-endian bytes at `p` as they are: not reduced.
        init(loading p: UnsafeRawPointer) {
            w0 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            w1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            w2 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            w3 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }

        /// The 64 little-endian bytes at `p` (a SHA-512 digest, §5.1.7 step
        /// 2) reduced mod L.
        ///
        /// Bit-serial long division: r = 2r + bit, then subtract L once if
        /// r >= L. r < L before each step, so 2r + 1 < 2L and one subtraction
        /// restores r < L; r < 2^254 throughout, so four words suffice. 512
        /// short steps cost a few microseconds, small next to the point
        /// arithmetic, and the method is easy to check. Branch-free.
        init(reducingWide p: UnsafeRawPointer) {
            var r0: UInt64 = 0, r1: UInt64 = 0, r2: UInt64 = 0, r3: UInt64 = 0
            var byteIndex = 63
            while byteIndex >= 0 {
                let byte = UInt64(p.load(fromByteOffset: byteIndex, as: UInt8.self))
                var bitIndex: UInt64 = 7
                while true {
                    let bit = (byte &>> bitIndex) & 1
                    r3 = (r3 &<< 1) | (r2 &>> 63)
                    r2 = (r2 &<< 1) | (r1 &>> 63)
                    r1 = (r1 &<< 1) | (r0 &>> 63)
                    r0 = (r0 &<< 1) | bit
                    let (d0, b0) = subtractWithBorrow(r0, Self.l0, 0)
                    let (d1, b1) = subtractWithBorrow(r1, Self.l1, b0)
                    let (d2, b2) = subtractWithBorrow(r2, Self.l2, b1)
                    let (d3, b3) = subtractWithBorrow(r3, Self.l3, b2)
                    // No final borrow means r >= L: keep the difference.
                    let keep = b3 &- 1
                    r0 = (d0 & keep) | (r0 & ~keep)
                    r1 = (d1 & keep) | (r1 & ~keep)
                    r2 = (d2 & keep) | (r2 & ~keep)
                    r3 = (d3 & keep) | (r3 & ~keep)
                    if bitIndex == 0 { break }
                    bitIndex -= 1
                }
                byteIndex -= 1
            }
            w0 = r0; w1 = r1; w2 = r2; w3 = r3
        }

        /// Whether the value is below L, as RFC 8032 §5.1.7 step 1 requires
        /// of S ("S ... in the range 0 <= s < L"). Computed as the borrow of
        /// value - L, branch-free.
        var isCanonical: Bool {
            let (_, b0) = subtractWithBorrow(w0, Self.l0, 0)
            let (_, b1) = subtractWithBorrow(w1, Self.l1, b0)
            let (_, b2) = subtractWithBorrow(w2, Self.l2, b1)
            let (_, b3) = subtractWithBorrow(w3, Self.l3, b2)
            return b3 == 1
        }

        /// Bit `i` (0 = least significant) for 0 <= i < 256.
        @inline(__always)
        func bit(_ i: Int) -> Bool {
            let word: UInt64
            switch i &>> 6 {
            case 0: word = w0
            case 1: word = w1
            case 2: word = w2
            default: word = w3
            }
            return (word &>> UInt64(truncatingIfNeeded: i & 63)) & 1 == 1
        }
    }
}

/// a - b - borrowIn with borrowIn in {0, 1}; returns the difference and the
/// borrow out (0 or 1).
@inline(__always)
private func subtractWithBorrow(_ a: UInt64, _ b: UInt64,
                                _ borrowIn: UInt64) -> (UInt64, UInt64) {
    let (d1, o1) = a.subtractingReportingOverflow(b)
    let (d2, o2) = d1.subtractingReportingOverflow(borrowIn)
    return (d2, (o1 || o2) ? 1 : 0)
}
