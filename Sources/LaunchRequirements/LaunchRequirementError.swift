/// Why a requirement could not be made, did not hold, or its launch failed.
public enum LaunchRequirementError: Error, CustomStringConvertible, Equatable {
    /// The requirement does not parse: `word` is the word at fault (empty
    /// when the fault is not one word), `message` what is wrong with it.
    case invalid(word: String, message: String)
    /// The file does not satisfy the requirement, or the policy in force
    /// refuses it (or its interpreter): nothing ran. `reason` is what a log
    /// line says ("sha256 mismatch"), `fact` the fact that failed as written
    /// (empty when no single fact did), `line` the whole line lwcr would log.
    case notSatisfied(path: String, reason: String, fact: String, line: String)
    /// The launch failed for another reason (no such file, not executable,
    /// too many processes): the errno and its text.
    case launchFailed(path: String, errno: Int32, message: String)

    public var description: String {
        switch self {
        case .invalid(let word, let message): return word.isEmpty ? "requirement: \(message)" : "requirement: \(message): '\(word)'"
        case .notSatisfied(_, _, _, let line): return line
        case .launchFailed(let path, _, let message): return "\(path): \(message)"
        }
    }
}
