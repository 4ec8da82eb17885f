/// Deciding a launch: every layer must pass; within a layer the last
/// matching rule decides (as in .gitignore), and where none matches, the
/// layer's default does. Rules of files in `mode audit` are judged apart:
/// the launch is decided by the other files' rules alone, and a failure the
/// audit files would add is reported, never enforced.
public struct Decision {
    public var allowed: Bool = true
    public var finding = Finding()
    /// The rule, default or error line that decided a denial (or audit).
    public var location: Location = .none
    /// The index of the layer that denied, or that audited, and its directory.
    public var layer: Int = -1
    public var directory: Bytes = .empty
    /// True when the denial came from an audit layer and the launch goes on.
    public var audited = false
    /// A deciding rule said `sealed`: run a sealed copy of the content.
    public var sealed = false
    /// The policy error message, when `finding.reason == .policyError`.
    public var errorMessage: StaticString = ""
    public var errorDetail: Bytes = .empty
    public var errorCode: Int32 = 0

    public init() {}

    /// Whether anything is worth a log line.
    public var reportable: Bool { !allowed || audited }

    /// The word a log line gives the outcome.
    public var verdict: StaticString { !allowed ? "deny" : audited ? "audit" : "allow" }
}

public enum Decider {
    public static func decide(_ policy: Policy, _ subject: inout Subject) -> Decision {
        var decision = Decision()
        if let error = policy.error {
            decision.allowed = false
            decision.finding.reason = .policyError
            decision.location = error.location
            decision.errorMessage = error.message
            decision.errorDetail = error.detail
            decision.errorCode = error.code
            return decision
        }
        var i = 0
        while i < policy.layerCount {
            let layer = policy.layers.unsafelyUnwrapped[i]
            var finding = Finding()
            var location = Location.none
            var sealed = false
            if !judge(layer, enforced: layer.hasAuditStatements, &subject, &finding, &location, &sealed) {
                decision.allowed = false
                decision.audited = false
                decision.finding = finding
                decision.location = location
                decision.layer = i
                decision.directory = layer.directory
                return decision
            }
            if sealed { decision.sealed = true }
            // What the audit files would change, were they enforced: logged only.
            if layer.hasAuditStatements && !decision.audited {
                var auditFinding = Finding()
                var auditLocation = Location.none
                var ignored = false
                if !judge(layer, enforced: false, &subject, &auditFinding, &auditLocation, &ignored) {
                    decision.audited = true
                    decision.finding = auditFinding
                    decision.location = auditLocation
                    decision.layer = i
                    decision.directory = layer.directory
                }
            }
            i += 1
        }
        return decision
    }

    /// The last rule of `layer` whose pattern matches `path`, if any;
    /// `enforced`: among the rules of files not in audit mode only.
    public static func rule(for path: Bytes, in layer: Layer, enforced: Bool = false) -> Rule? {
        if let index = layer.index {
            let r = index.lastMatch(path, layer.rules.unsafelyUnwrapped, enforcedOnly: enforced)
            return r < 0 ? nil : layer.rules.unsafelyUnwrapped[r]
        }
        var r = layer.ruleCount
        while r > 0 {
            r -= 1
            let rule = layer.rules.unsafelyUnwrapped[r]
            if enforced && rule.audit { continue }
            if Pattern.matches(rule.pattern, path) { return rule }
        }
        return nil
    }

    /// The default where no rule matches: in the enforced view only a
    /// default stated by a file not in audit mode counts.
    public static func defaultVerdict(of layer: Layer, enforced: Bool) -> RuleKind {
        if enforced && !layer.defaultEnforced { return .allow }
        return layer.defaultVerdict
    }

    /// Whether the launch passes `layer`, judged by its enforced statements
    /// (`enforced`) or by all of them.
    static func judge(_ layer: Layer, enforced: Bool, _ subject: inout Subject, _ finding: inout Finding, _ location: inout Location,
                      _ sealed: inout Bool) -> Bool {
        guard let rule = rule(for: subject.path, in: layer, enforced: enforced) else {
            if defaultVerdict(of: layer, enforced: enforced) == .deny {
                finding.reason = .defaultDeny
                location = layer.defaultLocation
                return false
            }
            return true
        }
        location = rule.location
        sealed = rule.sealed
        switch rule.kind {
        case .allow:
            return true
        case .deny:
            finding.reason = .deniedByRule
            return false
        case .require:
            subject.layer = layer
            return Facts.holds(rule, &subject, &finding)
        }
    }
}
