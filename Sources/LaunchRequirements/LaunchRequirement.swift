import CInterpose
import LwcrCoreHosted

/// What a file must be for this program to launch it: Apple's
/// `Process.launchRequirement`, on Linux, without a preload.
///
///     let helper = try LaunchRequirement("signed-by=acme trusted-path",
///                                        signers: ["acme": "ssh-ed25519 AAAAC3Nz..."])
///     let status = try helper.run("/opt/acme/bin/helper", arguments: ["--once"])
///
/// The facts are those of a policy file's `require` rule (lwcr.policy(5)),
/// with `|` between alternatives and `!` before a fact; the typed
/// builders (AllOf, AnyOf, SHA256, SignedBy, ...) write the same words.
/// A launch opens the file once, judges that descriptor, then executes
/// that descriptor (the same gate as liblwcr.so's): renaming, swapping or
/// symlinking files cannot make another file run than the one judged.
/// The requirement is of the file launched; its `#!` interpreter, its
/// ELF interpreter and a program given to the loader are judged by the
/// policy in force (/etc/lwcr/policy.d, when there is one), as in any
/// launch, and so is the file itself: both must allow it.
///
/// Not a defence against someone who can write the file in place between
/// the check and the exec (the file's owner, root): add `Sealed()` (the
/// word `sealed`) to run a sealed copy of what was checked.
public struct LaunchRequirement: Sendable, CustomStringConvertible {
    /// The facts, as a policy file writes them.
    public let facts: String
    /// Signer names to public keys, "ssh-ed25519 AAAA..." (the first two
    /// words of a .pub file), for `signed-by=`.
    public let signers: [String: String]

    /// Parses `facts` now, so that a requirement that exists is one that
    /// parses; the error names the word at fault.
    public init(_ facts: String, signers: [String: String] = [:]) throws(LaunchRequirementError) {
        self.facts = facts
        self.signers = signers
        try withPolicy { _ in () }
    }

    /// The same from typed facts: `try LaunchRequirement { SHA256(hex); TrustedPath() }`.
    public init(signers: [String: String] = [:], @RequirementBuilder _ body: () -> [any RequirementClause]) throws(LaunchRequirementError) {
        try self.init(AllOf(body).text, signers: signers)
    }

    public var description: String { facts }

    var signerLines: String {
        signers.keys.sorted().map { "\($0) \(signers[$0]!)" }.joined(separator: "\n")
    }

    /// The process's settings, read once as the library's constructor reads
    /// them (LWCR_POLICY's layers, the log): this program's launches are
    /// judged by the same layers as under the preload, which does not see
    /// them (they are raw system calls).
    static let started: Bool = {
        ProcessStart.capture(secure: lwcr_secure_execution())
        return true
    }()

    /// Runs `body` with the requirement built, in memory that is gone after.
    func withPolicy<R>(_ body: (UnsafePointer<Policy>) throws(LaunchRequirementError) -> R) throws(LaunchRequirementError) -> R {
        _ = Self.started
        for (name, key) in signers where name.isEmpty || name.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" })
            || key.contains("\n") {
            throw .invalid(word: name, message: "a signer's name is one word, and its key one line")
        }
        var f = Array(facts.utf8)
        var s = Array(signerLines.utf8)
        let result: Result<R, LaunchRequirementError> = f.withUnsafeMutableBufferPointer { fb in
            s.withUnsafeMutableBufferPointer { sb in
                OwnRequirement.with(facts: Bytes(fb.baseAddress, count: fb.count), signers: Bytes(sb.baseAddress, count: sb.count)) {
                    policy, error -> Result<R, LaunchRequirementError> in
                    guard let policy else { return .failure(Self.invalid(error!)) }
                    do throws(LaunchRequirementError) { return .success(try body(policy)) } catch { return .failure(error) }
                }
            }
        }
        return try result.get()
    }

    static func invalid(_ e: PolicyError) -> LaunchRequirementError {
        .invalid(word: String(e.detail), message: String(staticString: e.message))
    }
}

extension String {
    init(_ b: Bytes) {
        self = b.isEmpty ? "" : String(decoding: UnsafeBufferPointer(start: b.base, count: b.count), as: UTF8.self)
    }

    init(staticString s: StaticString) {
        self = s.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }
}
