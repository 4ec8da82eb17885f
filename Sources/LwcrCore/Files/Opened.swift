/// An error number as the kernel reports it, always positive. A type of its
/// own so that no errno can be mistaken for a descriptor or for one of the
/// walk's own outcomes, which are no errno (see Opened).
public struct Errno: Equatable, Sendable {
    public let code: Int32
    public init(_ code: Int32) { self.code = code }
}

/// What opening a launch target by its path gave.
public enum Opened: Equatable {
    /// Opened and named; the caller owns the descriptor.
    case file(Int32)
    case failed(Errno)
    /// The file could be opened but not named by a path that is sure to be
    /// the one it was reached by (a relative path from a directory others
    /// can rename). Nothing is left open.
    case unnamed

    /// From a system-call wrapper's result: a descriptor or -errno.
    static func from(_ r: Int32) -> Opened { r >= 0 ? .file(r) : .failed(Errno(-r)) }
}
