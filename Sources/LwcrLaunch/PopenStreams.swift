import CInterpose

/// Which child each popen stream belongs to: a fixed table, claimed and
/// released with atomic operations (no lock, since a popen child reads it).
enum PopenStreams {
    static var reserved: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 1)! }

    static func remember(_ file: UnsafeMutableRawPointer, pid: pid_t, fd: Int32) -> Bool {
        let slots = lwcr_popen_slots()!
        var i = 0
        while i < Int(lwcr_popen_slot_count()) {
            let slot = slots + i
            let fileSlot = UnsafeMutableRawPointer(slot).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            if lwcr_atomic_cas_ptr(fileSlot, nil, reserved) {
                slot.pointee.pid = pid
                slot.pointee.fd_plus_one = fd + 1
                _ = lwcr_atomic_cas_ptr(fileSlot, reserved, file)
                return true
            }
            i += 1
        }
        return false
    }

    /// Forgets `file`; its pid, or nil when it is not a popen stream of ours.
    static func forget(_ file: UnsafeMutableRawPointer) -> pid_t? {
        let slots = lwcr_popen_slots()!
        var i = 0
        while i < Int(lwcr_popen_slot_count()) {
            let slot = slots + i
            let fileSlot = UnsafeMutableRawPointer(slot).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            if lwcr_atomic_load_ptr(fileSlot) == file {
                let pid = slot.pointee.pid
                slot.pointee.fd_plus_one = 0
                _ = lwcr_atomic_cas_ptr(fileSlot, file, nil)
                return pid
            }
            i += 1
        }
        return nil
    }

    static func closeAllInChild(except keep: Int32) {
        let slots = lwcr_popen_slots()!
        var i = 0
        while i < Int(lwcr_popen_slot_count()) {
            let slot = slots + i
            let fileSlot = UnsafeMutableRawPointer(slot).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            if let f = lwcr_atomic_load_ptr(fileSlot), f != reserved {
                let fd = slot.pointee.fd_plus_one - 1
                if fd >= 0 && fd != keep { _ = lwcr_close(fd) }
            }
            i += 1
        }
    }
}
