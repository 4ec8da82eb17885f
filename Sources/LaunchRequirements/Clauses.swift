/// A requirement as alternatives of facts that must all hold: the form of
/// a policy `require` rule (`a b | c`: a and b, or c). AllOf and AnyOf
/// nest freely; they are brought to that form (AllOf distributes over
/// AnyOf), which means the same.
public protocol RequirementClause: Sendable {
    /// Each inner list is one alternative: facts that must all hold.
    var alternatives: [[String]] { get }
}

/// Every clause holds.
public struct AllOf: RequirementClause {
    public let alternatives: [[String]]
    public init(@RequirementBuilder _ body: () -> [any RequirementClause]) {
        var result: [[String]] = [[]]
        for clause in body() {
            var next: [[String]] = []
            for left in result { for right in clause.alternatives { next.append(left + right) } }
            result = next
        }
        alternatives = result
    }
}

/// At least one clause holds.
public struct AnyOf: RequirementClause {
    public let alternatives: [[String]]
    public init(@RequirementBuilder _ body: () -> [any RequirementClause]) {
        alternatives = body().flatMap { $0.alternatives }
    }
}

@resultBuilder
public enum RequirementBuilder {
    public static func buildExpression(_ clause: any RequirementClause) -> [any RequirementClause] { [clause] }
    public static func buildBlock(_ parts: [any RequirementClause]...) -> [any RequirementClause] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any RequirementClause]?) -> [any RequirementClause] { part ?? [] }
    public static func buildEither(first: [any RequirementClause]) -> [any RequirementClause] { first }
    public static func buildEither(second: [any RequirementClause]) -> [any RequirementClause] { second }
    public static func buildArray(_ parts: [[any RequirementClause]]) -> [any RequirementClause] { parts.flatMap { $0 } }
}

extension RequirementClause {
    /// The policy language's words for the clause.
    var text: String { alternatives.map { $0.joined(separator: " ") }.joined(separator: " | ") }
}
