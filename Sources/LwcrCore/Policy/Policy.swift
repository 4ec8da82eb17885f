/// The loaded policy: layers of rules, as the parser leaves them in an arena.
///
/// Plain structs of pointers and numbers, so that the whole policy lives in
/// one mapping and evaluating it reads memory and allocates nothing.

public enum RuleKind: UInt8 {
    case require, allow, deny
}

public enum FactKind: UInt8 {
    case sha256, owner, trustedPath, noSetid, always, never
    case group, readonlyMount, immutable, noCaps, elf, script, fsverity, signedBy
}

/// What a name in a fact refers to: owner=NAME or group=NAME.
public enum NameKind { case user, group }

/// Where a rule, a directive or an error comes from: a policy file's name
/// within its layer, and a line number (0 when no line is to blame).
public struct Location: Sendable {
    public var file: Bytes
    public var line: Int32

    public init(file: Bytes, line: Int32) {
        self.file = file
        self.line = line
    }

    public static var none: Location { Location(file: .empty, line: 0) }
}

public struct Fact {
    public var kind: FactKind
    public var negated: Bool
    /// Index of the `|`-separated alternative this fact belongs to.
    public var group: Int32
    public var uid: UInt32
    public var digest: SHA256Digest?
    /// The word as written, for explanations.
    public var word: Bytes
    /// fsverity=: the hex digest; signed-by=: the signer's name.
    public var value: Bytes
}

/// A publisher's key: `signer NAME ssh-ed25519 KEY`, or a line of an
/// OpenSSH allowed_signers file named by `signers FILE`.
public struct Signer {
    public var name: Bytes
    /// The Ed25519 public key.
    public var key: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    public var location: Location
    /// For `signers FILE`, until the loader has read the file.
    public var file: Bytes = .empty

    public init(name: Bytes, location: Location) {
        self.name = name
        self.location = location
    }

    public func keyEquals(_ other: Bytes) -> Bool {
        if other.count != 32 { return false }
        var k = key
        return withUnsafeBytes(of: &k) { mine in
            var d: UInt8 = 0
            var i = 0
            while i < 32 { d |= mine[i] ^ other[i]; i += 1 }
            return d == 0
        }
    }

    public mutating func setKey(_ b: Bytes) {
        withUnsafeMutableBytes(of: &key) { k in
            var i = 0
            while i < 32 { k[i] = b[i]; i += 1 }
        }
    }
}

public struct Rule {
    public var kind: RuleKind
    public var pattern: Bytes
    public var location: Location
    public var facts: UnsafeMutablePointer<Fact>?
    public var factCount: Int32
    public var groupCount: Int32
    /// `sealed`: execute a sealed in-memory copy of the verified content.
    public var sealed = false
    /// From a file that says `mode audit`: its failures are logged, never
    /// enforced, and it never changes what the enforced rules decide.
    public var audit = false
}

public struct Layer {
    /// The directory this layer was read from.
    public var directory: Bytes
    /// `default`: one per layer (two that disagree are an error). Stated
    /// by a file in audit mode only, it is the audit view's default and
    /// the enforced default stays allow.
    public var defaultVerdict: RuleKind = .allow
    public var defaultLocation: Location = .none
    public var defaultStated = false
    public var defaultEnforced = false
    /// Files that say `mode audit`, and statements (rules, a default) from
    /// files that do not: a layer of audit files only enforces nothing.
    public var auditFiles = 0
    public var enforcedStatements = 0
    /// Some rule or the default comes from an audit file: a launch is then
    /// judged twice, by the enforced statements and by all of them.
    public var hasAuditStatements = false
    public var rules: UnsafeMutablePointer<Rule>?
    public var ruleCount: Int = 0
    public var signers: UnsafeMutablePointer<Signer>?
    public var signerCount: Int = 0
    /// `signatures DIR`: signatures are looked up at DIR/<canonical path>.sig
    /// instead of beside the file.
    public var signatures: Bytes = .empty
    /// Rules by the directory their pattern is fixed to (see RuleIndex).
    public var index: RuleIndex?
    /// What the layer was made from: its files' names and texts, and its
    /// signers' keys (how lint and check tell a snapshot is out of date).
    public var source: SHA256Digest? = nil
    /// Set when the layer was read from a compiled snapshot (Snapshot).
    public var compiled: Compiled? = nil
    /// Set when the layer was read as text because its snapshot was
    /// written by another version of lwcr: a watch on that file (its live
    /// word and its name), so that the compile which replaces it reaches
    /// this process too.
    public var passedOver: Compiled? = nil

    public init(directory: Bytes) { self.directory = directory }

    public var auditOnly: Bool { auditFiles > 0 && enforcedStatements == 0 }
}

/// A policy that could not be read or parsed: every launch is denied with it.
public struct PolicyError: Error {
    public var location: Location
    public var message: StaticString
    /// The word or path at fault, when there is one.
    public var detail: Bytes
    /// The errno behind the error, when a system call failed.
    public var code: Int32 = 0

    public init(_ location: Location, _ message: StaticString, _ detail: Bytes = .empty, code: Int32 = 0) {
        self.location = location
        self.message = message
        self.detail = detail
        self.code = code
    }
}

public struct Policy {
    public var layers: UnsafeMutablePointer<Layer>?
    public var layerCount: Int = 0
    public var error: PolicyError?
    /// The size of the mapping the policy lives in, when it has one of its own.
    public var mappedSize = 0

    public init() {}

    /// Every layer consists of audit files only: nothing is enforced.
    public var onlyAudits: Bool {
        var i = 0
        while i < layerCount {
            if !layers.unsafelyUnwrapped[i].auditOnly { return false }
            i += 1
        }
        return true
    }

    /// A compiled layer's publisher has replaced it: the next launch
    /// loads the policy again (PolicyState). One load per compiled layer.
    public var superseded: Bool {
        var i = 0
        while i < layerCount {
            if let c = layers.unsafelyUnwrapped[i].compiled, c.superseded { return true }
            if let c = layers.unsafelyUnwrapped[i].passedOver, c.superseded { return true }
            i += 1
        }
        return false
    }

    /// No layer at all: the library allows everything and says nothing.
    public var isEmpty: Bool { layerCount == 0 && error == nil }
}
