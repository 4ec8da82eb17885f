/// Typed facts, one-to-one onto the policy language's (lwcr.policy(5)),
/// in the spirit of Apple's LightweightCodeRequirements: each renders as
/// the word a policy file would hold, and a requirement built from them is
/// parsed like any other, so the two cannot mean different things.
public protocol RequirementFact: RequirementClause {
    /// The fact as a policy file writes it.
    var word: String { get }
}

extension RequirementFact {
    public var alternatives: [[String]] { [[word]] }
}

/// The file's SHA-256, 64 hex digits (`sha256=`).
public struct SHA256: RequirementFact {
    public let word: String
    public init(_ hex: String) { word = "sha256=" + hex }
}

/// An OpenSSH signature (namespace lwcr) by the signer NAME covers the
/// content (`signed-by=`); the signer's key is given to the requirement.
public struct SignedBy: RequirementFact {
    public let word: String
    public init(_ signer: String) { word = "signed-by=" + signer }
}

/// The file's owner (`owner=`), by name or uid.
public struct OwnedBy: RequirementFact {
    public let word: String
    public init(_ user: String) { word = "owner=" + user }
    public init(uid: UInt32) { word = "owner=\(uid)" }
}

/// The file's group (`group=`), by name or gid.
public struct GroupOwnedBy: RequirementFact {
    public let word: String
    public init(_ group: String) { word = "group=" + group }
    public init(gid: UInt32) { word = "group=\(gid)" }
}

/// The file and every directory above it are root's (or the `OwnedBy`
/// user's) and writable by no group or other user (`trusted-path`).
public struct TrustedPath: RequirementFact {
    public let word = "trusted-path"
    public init() {}
}

/// The kernel-measured fs-verity digest (`fsverity=`).
public struct FSVerity: RequirementFact {
    public let word: String
    public init(_ hex: String) { word = "fsverity=" + hex }
}

/// Any other fact of the language, as written (`setid`, `immutable`...).
public struct Fact: RequirementFact {
    public let word: String
    public init(_ word: String) { self.word = word }
}

/// The fact does not hold (`!`).
public struct Not: RequirementFact {
    public let word: String
    public init(_ fact: some RequirementFact) { word = "!" + fact.word }
}

/// Run a sealed copy of the checked content (`sealed`): no write in place
/// between the check and the exec can change what runs.
public struct Sealed: RequirementFact {
    public let word = "sealed"
    public init() {}
}
