import CInterpose

/// Which child each popen stream belongs to: a fixed table, claimed and
/// released with atomic operations (no lock, since a popen child reads it).
enum PopenStreams {
    static var reserved: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 1)! }

    /// Calls `body` with each slot and its atomically read FILE word until
    /// it returns true; whether one did.
    static func scan(_ body: (UnsafeMutablePointer<lwcr_popen_slot>, UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> Bool) -> Bool {
        let slots = lwcr_popen_slots()!
        var i = 0
        while i < Int(lwcr_popen_slot_count()) {
            let slot = slots + i
            if body(slot, UnsafeMutableRawPointer(slot).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)) { return true }
            i += 1
        }
        return false
    }

    static func remember(_ file: UnsafeMutableRawPointer, pid: pid_t, fd: Int32) -> Bool {
        scan { slot, fileSlot in
            if !lwcr_atomic_cas_ptr(fileSlot, nil, reserved) { return false }
            slot.pointee.pid = pid
            slot.pointee.fd_plus_one = fd + 1
            _ = lwcr_atomic_cas_ptr(fileSlot, reserved, file)
            return true
        }
    }

    /// Forgets `file`; its pid, or nil when it is not a popen stream of ours.
    static func forget(_ file: UnsafeMutableRawPointer) -> pid_t? {
        var pid: pid_t? = nil
        _ = scan { slot, fileSlot in
            if lwcr_atomic_load_ptr(fileSlot) != file { return false }
            pid = slot.pointee.pid
            slot.pointee.fd_plus_one = 0
            _ = lwcr_atomic_cas_ptr(fileSlot, file, nil)
            return true
        }
        return pid
    }

    static func closeAllInChild(except keep: Int32) {
        _ = scan { slot, fileSlot in
            if let f = lwcr_atomic_load_ptr(fileSlot), f != reserved {
                let fd = slot.pointee.fd_plus_one - 1
                if fd >= 0 && fd != keep { _ = lwcr_close(fd) }
            }
            return false
        }
    }
}
