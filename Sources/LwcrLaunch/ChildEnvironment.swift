import CInterpose

/// The environment a child must get: the caller's, except that LD_PRELOAD
/// names this library and LWCR_POLICY starts with the layers in force, so
/// the requirement follows the launch even through `env -i` or an execle
/// with a scrubbed envp. Layers can only be added after ours (a child may
/// tighten, never loosen). Nothing else changes, and the order is kept.
struct ChildEnvironment {
    let library: Bytes
    let layers: Bytes
    /// LWCR_POLICY as this process got it, with relative directories: the
    /// same layers as `layers`, so passed on as `layers`.
    let layersGiven: Bytes

    static var current: ChildEnvironment {
        ChildEnvironment(library: Bytes(cString: lwcr_state_library()), layers: Bytes(cString: lwcr_state_layers()),
                         layersGiven: Bytes(cString: lwcr_state_layers_given()))
    }

    static let preloadName: StaticString = "LD_PRELOAD="
    static let policyName: StaticString = "LWCR_POLICY="

    /// The entries as they are, or nil when they need changing.
    func unchanged(_ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Bool {
        var preloads = 0
        var policies = 0
        var preloadOK = library.isEmpty
        var policyOK = layers.isEmpty
        forEach(envp) { entry in
            if entry.hasPrefix(Self.preloadName) {
                preloads += 1
                preloadOK = preloadOK || Self.list(entry.slice(11, entry.count), contains: library)
            } else if entry.hasPrefix(Self.policyName) {
                policies += 1
                policyOK = policyOK || startsWithLayers(entry.slice(12, entry.count))
            }
        }
        return preloadOK && policyOK && preloads <= 1 && policies <= 1
    }

    func startsWithLayers(_ value: Bytes) -> Bool {
        value.equals(layers) || (value.hasPrefix(layers) && value.count > layers.count && value[layers.count] == UInt8(ascii: ":"))
    }

    /// LD_PRELOAD separates entries by ":" or " " (ld.so(8)).
    static func list(_ value: Bytes, contains item: Bytes) -> Bool {
        value.anyPart(separatedBy: ": ") { $0.equals(item) }
    }

    /// Bytes needed by `build` for an envp of `count` entries.
    func space(_ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int {
        var count = 0
        var oldLength = 0
        forEach(envp) { entry in
            count += 1
            if entry.hasPrefix(Self.preloadName) || entry.hasPrefix(Self.policyName) { oldLength += entry.count }
        }
        return (count + 3) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride + oldLength + library.count + layers.count + 64
    }

    /// Writes the child's envp into `buffer` (of `space(envp)` bytes).
    func build(_ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?, into buffer: UnsafeMutableRawPointer) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        var count = 0
        forEach(envp) { _ in count += 1 }
        let array = buffer.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: count + 3)
        var text = (buffer + (count + 3) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride).assumingMemoryBound(to: CChar.self)
        var oldPreload: Bytes? = nil
        var oldPolicy: Bytes? = nil
        forEach(envp) { entry in
            if oldPreload == nil && entry.hasPrefix(Self.preloadName) { oldPreload = entry.slice(11, entry.count) }
            if oldPolicy == nil && entry.hasPrefix(Self.policyName) { oldPolicy = entry.slice(12, entry.count) }
        }
        var n = 0
        var preloadWritten = false
        var policyWritten = false
        forEach(envp) { entry in
            let isPreload = entry.hasPrefix(Self.preloadName)
            let isPolicy = entry.hasPrefix(Self.policyName)
            if isPreload && !library.isEmpty {
                if !preloadWritten { array[n] = writePreload(oldPreload, &text); n += 1; preloadWritten = true }
            } else if isPolicy && !layers.isEmpty {
                if !policyWritten { array[n] = writePolicy(oldPolicy, &text); n += 1; policyWritten = true }
            } else {
                array[n] = UnsafeMutablePointer(mutating: UnsafeRawPointer(entry.base!).assumingMemoryBound(to: CChar.self))
                n += 1
            }
        }
        if !preloadWritten && !library.isEmpty { array[n] = writePreload(nil, &text); n += 1 }
        if !policyWritten && !layers.isEmpty { array[n] = writePolicy(nil, &text); n += 1 }
        array[n] = nil
        return array
    }

    func writePreload(_ old: Bytes?, _ text: inout UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<CChar> {
        if let old, Self.list(old, contains: library) {
            return write(Self.preloadName, old, .empty, &text)
        }
        return write(Self.preloadName, library, old ?? .empty, &text)
    }

    func writePolicy(_ old: Bytes?, _ text: inout UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<CChar> {
        if let old, startsWithLayers(old) { return write(Self.policyName, old, .empty, &text) }
        if let old, !layersGiven.isEmpty, old.hasPrefix(layersGiven),
           old.count == layersGiven.count || old[layersGiven.count] == UInt8(ascii: ":") {
            return write(Self.policyName, layers, old.slice(layersGiven.count + (old.count > layersGiven.count ? 1 : 0), old.count), &text)
        }
        return write(Self.policyName, layers, old ?? .empty, &text)
    }

    /// NAME=first[:second], NUL-terminated, at `text`, which then moves past it.
    func write(_ name: StaticString, _ first: Bytes, _ second: Bytes, _ text: inout UnsafeMutablePointer<CChar>) -> UnsafeMutablePointer<CChar> {
        let start = text
        func put(_ b: Bytes) {
            var i = 0
            while i < b.count { text.pointee = CChar(b[i]); text += 1; i += 1 }
        }
        put(Bytes(name))
        put(first)
        if !second.isEmpty {
            text.pointee = CChar(UInt8(ascii: ":")); text += 1
            put(second)
        }
        text.pointee = 0
        text += 1
        return start
    }

    func forEach(_ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>?, _ body: (Bytes) -> Void) {
        guard let envp else { return }
        var i = 0
        while let e = envp[i] {
            body(Bytes(cString: e))
            i += 1
        }
    }
}
