import Foundation
import XCTest

@testable import LwcrCoreHosted
import LwcrTestSupport

final class Ed25519Tests: XCTestCase {
    // MARK: Helpers

    private struct Vector {
        let name: String
        let publicKey: [UInt8]
        let message: [UInt8]
        let signature: [UInt8]
    }

    /// RFC 8032 §7.1, the five Ed25519 tests. The secret keys are not needed
    /// for verification and are left out.
    private let rfcVectors: [Vector] = [
        Vector(
            name: "TEST 1",
            publicKey: bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
            message: [],
            signature: bytes("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")),
        Vector(
            name: "TEST 2",
            publicKey: bytes("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
            message: bytes("72"),
            signature: bytes("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")),
        Vector(
            name: "TEST 3",
            publicKey: bytes("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
            message: bytes("af82"),
            signature: bytes("6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")),
        Vector(
            name: "TEST 1024",
            publicKey: bytes("278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e"),
            message: bytes(
                "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
                    + "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
                    + "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
                    + "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
                    + "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
                    + "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
                    + "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
                    + "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
                    + "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
                    + "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
                    + "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
                    + "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
                    + "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
                    + "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
                    + "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
                    + "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
                    + "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
                    + "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
                    + "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
                    + "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
                    + "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
                    + "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
                    + "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
                    + "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
                    + "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
                    + "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
                    + "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
                    + "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
                    + "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
                    + "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
                    + "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
                    + "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0"),
            signature: bytes("0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03")),
        Vector(
            name: "TEST SHA(abc)",
            publicKey: bytes("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf"),
            // The message is SHA-512("abc") itself.
            message: bytes("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
            signature: bytes("dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704")),
    ]

    /// Signatures that tell the cofactored equation [8][S]B = [8]R + [8][k]A
    /// from the cofactorless [S]B = R + [k]A, with whether the cofactorless
    /// one (and OpenSSL 3.0 `pkeyutl -verify`) accepts them. Made by an
    /// independent script using RFC 8032's formulas with the secret scalar
    /// a = 0x1234567890abcdef1234567890abcdef, nonce r =
    /// 0xfedcba0987654321fedcba0987654321 and T a point of order 8:
    /// - key [a]B + T (mixed order, not small order), k odd: only the
    ///   cofactored equation holds;
    /// - the same key, 8 | k: both hold;
    /// - key [a]B, R = [r]B + T: only the cofactored equation holds.
    private let cofactorVectors: [(vector: Vector, cofactorlessAccepts: Bool)] = [
        (Vector(
            name: "mixed-order key, k odd",
            publicKey: bytes("11cafa6189fadaeb44521804c87f0e5cbc49236185e67e41742c3dbcfc553d92"),
            message: Array("mixed-order key, k odd 2".utf8),
            signature: bytes("ef3be12628ef900ee58b259c4b411fe028d3c3334b9b3c7f75934ef612094f80acbd987a871803056668034baf108d282c7e4d7a5a92567f74dcccfb69cef50c")),
         false),
        (Vector(
            name: "mixed-order key, 8 | k",
            publicKey: bytes("11cafa6189fadaeb44521804c87f0e5cbc49236185e67e41742c3dbcfc553d92"),
            message: Array("mixed-order key, 8 | k 15".utf8),
            signature: bytes("ef3be12628ef900ee58b259c4b411fe028d3c3334b9b3c7f75934ef612094f801c3fede2b1eff4e1eb9887644f8f10b112648111ef36dbec98118495eeb3bf05")),
         true),
        (Vector(
            name: "R with a small-order component",
            publicKey: bytes("ce0835d5eef35d3d7194904428ab19ee30b76afce559883b3b3542994e42af45"),
            message: Array("R with a small-order component".utf8),
            signature: bytes("ca546e2e3c289f3ca313fbc0cd84a0e07bf7290bbaaa4ae9f433c00a49d7ea66a5fe11a26237bcbf42280b75714f8308638056c208c6aa417840404be6a35a03")),
         false),
    ]

    /// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    private let groupOrder: [UInt8] = bytes(
        "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")

    /// The base point B's encoding: y = 4/5 with x even (RFC 8032 §5.1).
    private let baseEncoding: [UInt8] = bytes(
        "5866666666666666666666666666666666666666666666666666666666666666")

    /// The eight points of order dividing 8, canonically encoded: [i]T for a
    /// point T of order 8, i = 0...7 (identity, then orders 8, 4, 8, 2, 8, 4, 8).
    private let smallOrderEncodings: [[UInt8]] = [
        bytes("0100000000000000000000000000000000000000000000000000000000000000"),
        bytes("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        bytes("0000000000000000000000000000000000000000000000000000000000000080"),
        bytes("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
        bytes("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        bytes("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
        bytes("0000000000000000000000000000000000000000000000000000000000000000"),
        bytes("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
    ]

    /// The i in 0..<count for which `accepts(i)` is true, evaluated on all
    /// cores: the bit-flip tests run about 10,000 verifications, which take
    /// seconds in an unoptimised build.
    private func indicesAccepted(count: Int, _ accepts: @Sendable (Int) -> Bool) -> [Int] {
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: count)
        results.initialize(repeating: false)
        defer { results.deallocate() }
        // Each iteration writes only its own slot, and concurrentPerform
        // returns after all of them, so this sharing is race-free.
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: count) { i in
            slots[i] = accepts(i)
        }
        return (0..<count).filter { results[$0] }
    }

    private func decode(_ encoding: [UInt8]) -> Ed25519.Point? {
        encoding.withUnsafeBytes { Ed25519.Point(decoding: $0.baseAddress!) }
    }

    /// The 32-byte little-endian encoding of a small integer y, sign bit clear.
    private func encodeY(_ y: UInt8) -> [UInt8] {
        [y] + [UInt8](repeating: 0, count: 31)
    }

    /// Little-endian a + b over 32 bytes (the caller keeps the sum below 2^256).
    private func add32(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var carry = 0
        for i in 0..<32 {
            let sum = Int(a[i]) + Int(b[i]) + carry
            out[i] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        return out
    }

    /// p + y for small y, little-endian: 2^255 - 19 + y, sign bit clear.
    private func pPlus(_ y: UInt8) -> [UInt8] {
        let p = [0xED] + [UInt8](repeating: 0xFF, count: 30) + [0x7F]
        return add32(p, encodeY(y))
    }

    /// k = SHA-512(R || A || M) mod L as verify computes it.
    private func challenge(_ r: [UInt8], _ a: [UInt8], _ m: [UInt8]) -> Ed25519.Scalar {
        var hasher = SHA512()
        (r + a + m).withUnsafeBytes { hasher.update($0) }
        return hasher.finalize().withUnsafeBytes { Ed25519.Scalar(reducingWide: $0.baseAddress!) }
    }

    // MARK: RFC 8032 §7.1 vectors

    /// All five RFC 8032 §7.1 Ed25519 test vectors verify.
    func testRFC8032Vectors() {
        for v in rfcVectors {
            XCTAssertTrue(verify(v.signature, v.message, v.publicKey), v.name)
        }
    }

    /// Flipping any single bit of any vector's 64-byte signature makes it fail.
    func testEverySignatureBitFlipFails() {
        for v in rfcVectors {
            let accepted = indicesAccepted(count: 64 * 8) { bit in
                var sig = v.signature
                sig[bit / 8] ^= 1 << UInt8(bit % 8)
                return verify(sig, v.message, v.publicKey)
            }
            XCTAssertEqual(accepted, [], "\(v.name): flipped signature bits that still verify")
        }
    }

    /// Flipping any single bit of any vector's message makes it fail.
    func testEveryMessageBitFlipFails() {
        for v in rfcVectors {
            let accepted = indicesAccepted(count: v.message.count * 8) { bit in
                var message = v.message
                message[bit / 8] ^= 1 << UInt8(bit % 8)
                return verify(v.signature, message, v.publicKey)
            }
            XCTAssertEqual(accepted, [], "\(v.name): flipped message bits that still verify")
        }
    }

    /// Appending or removing a byte of the message, or using another vector's key, fails.
    func testOtherMessagesAndKeysFail() {
        for (i, v) in rfcVectors.enumerated() {
            XCTAssertFalse(verify(v.signature, v.message + [0], v.publicKey), v.name)
            if !v.message.isEmpty {
                XCTAssertFalse(verify(v.signature, Array(v.message.dropLast()), v.publicKey), v.name)
            }
            let other = rfcVectors[(i + 1) % rfcVectors.count]
            XCTAssertFalse(verify(v.signature, v.message, other.publicKey), v.name)
        }
    }

    // MARK: Strictness

    /// S + L (the same scalar mod L, but non-canonical) is rejected; so are S = L and S = 2^256 - 1.
    func testNonCanonicalSIsRejected() {
        for v in rfcVectors {
            let r = Array(v.signature[..<32]), s = Array(v.signature[32...])
            XCTAssertFalse(verify(r + add32(s, groupOrder), v.message, v.publicKey), v.name)
            XCTAssertFalse(verify(r + groupOrder, v.message, v.publicKey), v.name)
            XCTAssertFalse(verify(r + [UInt8](repeating: 0xFF, count: 32), v.message, v.publicKey), v.name)
        }
    }

    /// The canonical-S check is exactly S < L: L - 1 is canonical, L and L + 1 are not.
    func testScalarCanonicalBoundary() {
        var lMinusOne = groupOrder
        lMinusOne[0] -= 1
        let cases: [([UInt8], Bool)] = [
            ([UInt8](repeating: 0, count: 32), true),
            // 2^252 is below L = 2^252 + (a positive term).
            ([UInt8](repeating: 0, count: 31) + [0x10], true),
            (lMinusOne, true),
            (groupOrder, false),
            (add32(groupOrder, encodeY(1)), false),
            ([UInt8](repeating: 0, count: 31) + [0x20], false),  // 2^253
        ]
        for (bytes, canonical) in cases {
            XCTAssertEqual(bytes.withUnsafeBytes { Ed25519.Scalar(loading: $0.baseAddress!).isCanonical },
                           canonical, "\(bytes)")
        }
    }

    /// Signatures and keys of the wrong length are rejected without reading past them.
    func testWrongLengthsAreRejected() {
        let v = rfcVectors[1]
        XCTAssertTrue(verify(v.signature, v.message, v.publicKey))
        XCTAssertFalse(verify(Array(v.signature.dropLast()), v.message, v.publicKey))
        XCTAssertFalse(verify(v.signature + [0], v.message, v.publicKey))
        XCTAssertFalse(verify([], v.message, v.publicKey))
        XCTAssertFalse(verify(v.signature, v.message, Array(v.publicKey.dropLast())))
        XCTAssertFalse(verify(v.signature, v.message, v.publicKey + [0]))
        XCTAssertFalse(verify(v.signature, v.message, []))
        XCTAssertFalse(verify(v.signature + v.signature, v.message, v.publicKey + v.publicKey))
    }

    /// Every encoding with y >= p (y = p ... 2^255 - 1, either sign) is rejected as a key and as R.
    func testYAtLeastPIsRejected() {
        let v = rfcVectors[2]
        for k in 0..<19 {
            for sign: UInt8 in [0, 0x80] {
                var encoding = pPlus(UInt8(k))
                encoding[31] |= sign
                XCTAssertNil(decode(encoding), "y = p + \(k), sign \(sign)")
                XCTAssertFalse(verify(v.signature, v.message, encoding), "key y = p + \(k)")
                XCTAssertFalse(verify(encoding + v.signature[32...], v.message, v.publicKey),
                               "R y = p + \(k)")
            }
        }
        // The same y values reduced mod p include valid points (y = 3, for
        // one), so the rejection above is the canonicality check, not the
        // curve equation.
        XCTAssertNotNil(decode(encodeY(3)))
        XCTAssertNil(decode(pPlus(3)))
    }

    /// A y with no x on the curve (y = 2: (y^2 - 1)/(d y^2 + 1) is a non-square) is rejected as a key and as R.
    func testPointNotOnCurveIsRejected() {
        let v = rfcVectors[2]
        for y: UInt8 in [2, 7, 8, 11] {
            for sign: UInt8 in [0, 0x80] {
                var encoding = encodeY(y)
                encoding[31] |= sign
                XCTAssertNil(decode(encoding), "y = \(y)")
                XCTAssertFalse(verify(v.signature, v.message, encoding), "key y = \(y)")
                XCTAssertFalse(verify(encoding + v.signature[32...], v.message, v.publicKey), "R y = \(y)")
            }
        }
    }

    /// x = 0 with the sign bit set ("-0") is not a valid encoding (RFC 8032 §5.1.3 step 4).
    func testNegativeZeroXIsRejected() {
        // y = 1 and y = p - 1 are the points with x = 0.
        var identityMinusZero = encodeY(1)
        identityMinusZero[31] |= 0x80
        XCTAssertNil(decode(identityMinusZero))
        var orderTwoMinusZero = smallOrderEncodings[4]
        orderTwoMinusZero[31] |= 0x80
        XCTAssertNil(decode(orderTwoMinusZero))
    }

    /// The eight small-order points decode, are flagged small-order, and the RFC keys and B are not.
    func testSmallOrderDetection() {
        for (i, encoding) in smallOrderEncodings.enumerated() {
            guard let point = decode(encoding) else {
                XCTFail("small-order point \(i) did not decode")
                continue
            }
            XCTAssertTrue(point.hasSmallOrder, "point \(i)")
        }
        for v in rfcVectors {
            XCTAssertFalse(decode(v.publicKey)!.hasSmallOrder, v.name)
        }
        XCTAssertFalse(Ed25519.Point.base.hasSmallOrder)
    }

    /// Small-order keys are rejected even when the verification equation holds for them.
    func testSmallOrderPublicKeysAreRejected() {
        // With R = B and S = 1 the cofactorless equation [S]B = R + [k]A holds
        // exactly when [k]A is the identity, i.e. when the order of A divides
        // k. Search messages until it does, so the rejection can only come
        // from the small-order check.
        let one = encodeY(1)
        for (i, a) in smallOrderEncodings.enumerated() {
            var found = false
            for n in 0..<400 {
                let message = Array("small order \(i) message \(n)".utf8)
                let k = challenge(baseEncoding, a, message)
                // Every order here divides 8, so k = 0 mod 8 suffices.
                guard k.w0 & 7 == 0 else { continue }
                found = true
                XCTAssertFalse(verify(baseEncoding + one, message, a), "small-order key \(i)")
                break
            }
            XCTAssertTrue(found, "no message with 8 | k for key \(i)")
        }
        // The identity needs no search: [k]A is always the identity.
        XCTAssertFalse(verify(baseEncoding + one, Array("anything".utf8), smallOrderEncodings[0]))
    }

    /// Verification uses the cofactorless equation, as OpenSSL does: signatures valid only under the cofactored one fail.
    func testCofactorlessEquation() {
        for (v, cofactorlessAccepts) in cofactorVectors {
            XCTAssertEqual(verify(v.signature, v.message, v.publicKey), cofactorlessAccepts, v.name)
            // A mixed-order key is not of small order, so it is not rejected
            // as a key: only the equation decides.
            XCTAssertFalse(decode(v.publicKey)!.hasSmallOrder, v.name)
        }
    }

    // MARK: Internals

    /// The base point constant is the decoding of B's standard encoding and has order L.
    func testBasePointConstant() throws {
        let decoded = try XCTUnwrap(decode(baseEncoding))
        XCTAssertTrue(decoded.isEqual(to: Ed25519.Point.base))
        // [L]B = identity, computed with the same double-and-add verify uses.
        let l = groupOrder.withUnsafeBytes { Ed25519.Scalar(loading: $0.baseAddress!) }
        let zero = encodeY(0).withUnsafeBytes { Ed25519.Scalar(loading: $0.baseAddress!) }
        let lb = Ed25519.Point.doubleScalarMultiplyVartime(l, .base, zero, .base)
        XCTAssertTrue(lb.isEqual(to: .identity))
    }

    /// Field constants satisfy their defining equations: d*121666 = -121665 and sqrt(-1)^2 = -1.
    func testFieldConstants() {
        typealias F = Ed25519.FieldElement
        let f121666 = F(121666, 0, 0, 0, 0), f121665 = F(121665, 0, 0, 0, 0)
        XCTAssertTrue((F.d * f121666 + f121665).isZero)
        XCTAssertTrue((F.d + F.d - F.d2).isZero)
        XCTAssertTrue((F.sqrtMinusOne.squared() + F.one).isZero)
    }

    /// Wide reduction mod L: 0, L-1, L, 2^512 - 1 and two digests match remainders computed with arbitrary-precision integers.
    func testWideReductionModL() {
        func reduce(_ wide: [UInt8]) -> [UInt8] {
            let s = wide.withUnsafeBytes { Ed25519.Scalar(reducingWide: $0.baseAddress!) }
            var words = (s.w0.littleEndian, s.w1.littleEndian, s.w2.littleEndian, s.w3.littleEndian)
            return withUnsafeBytes(of: &words) { Array($0) }
        }
        let zero64 = [UInt8](repeating: 0, count: 64)
        var lMinusOne = groupOrder
        lMinusOne[0] -= 1
        XCTAssertEqual(reduce(zero64), [UInt8](repeating: 0, count: 32))
        XCTAssertEqual(reduce(lMinusOne + [UInt8](repeating: 0, count: 32)), lMinusOne)
        XCTAssertEqual(reduce(groupOrder + [UInt8](repeating: 0, count: 32)),
                       [UInt8](repeating: 0, count: 32))
        // The expected remainders below were computed independently with
        // arbitrary-precision integers (Python's int, `x % L`).
        XCTAssertEqual(reduce([UInt8](repeating: 0xFF, count: 64)),
                       bytes("000f9c44e31106a447938568a71b0ed065bef517d273ecce3d9a307c1b419903"))
        XCTAssertEqual(reduce(Array("abc".utf8).withUnsafeBytes { SHA512.hash($0) }.withUnsafeBytes { Array($0) }),
                       bytes("d15dbef29abf1ff29f9cf91c4b75ee0bb1012cb031d9605d684e841df034de0b"))
        XCTAssertEqual(reduce([UInt8]().withUnsafeBytes { SHA512.hash($0) }.withUnsafeBytes { Array($0) }),
                       bytes("9ef5a0ea93678eb78d69b33367e129543b0d8520122c42e7dfe9d1977f6c3a0c"))
    }

    // MARK: Cross-check against the OpenSSL command line

    /// Signatures made by `openssl pkeyutl` over 20 random messages verify, tampered ones fail, and OpenSSL agrees on edge cases.
    func testOpenSSLSignaturesVerify() throws {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw XCTSkip("no openssl executable found") }
        guard let version = try? run(openssl, ["version"]), version.status == 0 else {
            throw XCTSkip("`openssl version` does not run here")
        }

        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("ed25519tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // Two keys, so a signature checked against the other key must fail.
        var keys: [(pem: String, raw: [UInt8])] = []
        for name in ["a", "b"] {
            let pem = dir.appendingPathComponent("\(name).pem").path
            let gen = try run(openssl, ["genpkey", "-algorithm", "ed25519", "-out", pem])
            guard gen.status == 0 else {
                throw XCTSkip("openssl cannot generate Ed25519 keys: \(gen.stderr)")
            }
            let der = dir.appendingPathComponent("\(name).pub.der").path
            let pub = try run(openssl, ["pkey", "-in", pem, "-pubout", "-outform", "DER", "-out", der])
            XCTAssertEqual(pub.status, 0, pub.stderr)
            // SubjectPublicKeyInfo for Ed25519 ends with the raw 32-byte key.
            let spki = [UInt8](try Data(contentsOf: URL(fileURLWithPath: der)))
            XCTAssertEqual(spki.count, 44)
            keys.append((pem, Array(spki.suffix(32))))
        }

        var rng = SeededRandom()
        for n in 0..<20 {
            // OpenSSL 3.0's `pkeyutl -rawin` cannot read an empty file, so
            // lengths start at 1 (RFC TEST 1 covers the empty message).
            let length = Int.random(in: 1...2048, using: &rng)
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let msgPath = dir.appendingPathComponent("m\(n)").path
            let sigPath = dir.appendingPathComponent("m\(n).sig").path
            try Data(message).write(to: URL(fileURLWithPath: msgPath))
            let key = keys[n % 2], otherKey = keys[(n + 1) % 2]
            let sign = try run(openssl, ["pkeyutl", "-sign", "-rawin", "-inkey", key.pem,
                                         "-in", msgPath, "-out", sigPath])
            guard sign.status == 0 else {
                throw XCTSkip("openssl cannot sign with Ed25519 here: \(sign.stderr)")
            }
            let signature = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sigPath)))
            XCTAssertEqual(signature.count, 64)

            XCTAssertTrue(verify(signature, message, key.raw), "message \(n), length \(length) (\(rng.replay))")
            XCTAssertFalse(verify(signature, message, otherKey.raw), "message \(n) other key (\(rng.replay))")

            let sigBit = Int.random(in: 0..<512, using: &rng)
            var badSignature = signature
            badSignature[sigBit / 8] ^= 1 << UInt8(sigBit % 8)
            XCTAssertFalse(verify(badSignature, message, key.raw), "message \(n) sig bit \(sigBit) (\(rng.replay))")

            let msgBit = Int.random(in: 0..<(length * 8), using: &rng)
            var badMessage = message
            badMessage[msgBit / 8] ^= 1 << UInt8(msgBit % 8)
            XCTAssertFalse(verify(signature, badMessage, key.raw), "message \(n) msg bit \(msgBit) (\(rng.replay))")

            XCTAssertFalse(verify(signature, message + [0], key.raw), "message \(n) extended (\(rng.replay))")
            XCTAssertFalse(verify(signature, Array(message.dropLast()), key.raw), "message \(n) truncated (\(rng.replay))")

            let s = Array(signature[32...])
            XCTAssertFalse(verify(Array(signature[..<32]) + add32(s, groupOrder), message, key.raw),
                           "message \(n) S + L")

            // OpenSSL agrees on the tampered signature.
            let badPath = dir.appendingPathComponent("m\(n).bad.sig").path
            try Data(badSignature).write(to: URL(fileURLWithPath: badPath))
            let opensslVerify = try run(openssl, ["pkeyutl", "-verify", "-rawin", "-inkey", key.pem,
                                                  "-in", msgPath, "-sigfile", badPath])
            XCTAssertNotEqual(opensslVerify.status, 0, "openssl accepted message \(n) sig bit \(sigBit)")
        }

        // OpenSSL reaches the same verdicts as verify() on the signatures
        // that separate the cofactored from the cofactorless equation.
        for (i, (v, _)) in cofactorVectors.enumerated() {
            // SubjectPublicKeyInfo: the fixed Ed25519 header, then the key.
            let spki = bytes("302a300506032b6570032100") + v.publicKey
            let keyPath = dir.appendingPathComponent("cofactor\(i).der").path
            let msgPath = dir.appendingPathComponent("cofactor\(i).msg").path
            let sigPath = dir.appendingPathComponent("cofactor\(i).sig").path
            try Data(spki).write(to: URL(fileURLWithPath: keyPath))
            try Data(v.message).write(to: URL(fileURLWithPath: msgPath))
            try Data(v.signature).write(to: URL(fileURLWithPath: sigPath))
            let result = try run(openssl, ["pkeyutl", "-verify", "-pubin", "-keyform", "DER",
                                           "-inkey", keyPath, "-rawin", "-in", msgPath,
                                           "-sigfile", sigPath])
            XCTAssertEqual(result.status == 0, verify(v.signature, v.message, v.publicKey),
                           "\(v.name): openssl says \(result.stdout)\(result.stderr)")
        }
    }

    private struct RunResult {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus,
                         stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Ed25519.verify over arrays. A free function so the concurrent bit-flip
/// checks can call it without capturing the test case.
private func verify(_ signature: [UInt8], _ message: [UInt8], _ publicKey: [UInt8]) -> Bool {
    signature.withUnsafeBytes { s in
        message.withUnsafeBytes { m in
            publicKey.withUnsafeBytes { k in
                Ed25519.verify(signature: s, message: m, publicKey: k)
            }
        }
    }
}

/// Bytes of a hex string (test data only; traps on malformed input).
private func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    precondition(digits.count % 2 == 0, "odd hex length")
    return stride(from: 0, to: digits.count, by: 2).map { i in
        UInt8(String(decoding: digits[i..<(i + 2)], as: UTF8.self), radix: 16)!
    }
}
