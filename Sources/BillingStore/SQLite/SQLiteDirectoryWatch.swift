#if canImport(Glibc)
import Glibc

/// Tells, with one non-blocking `read` and no path lookup, whether any name in a
/// directory was created, deleted or renamed since the last call (Linux inotify).
///
/// The kernel queues the event before `unlink` or `rename` returns, so a commit
/// that asks after the change always sees it. A path `stat` costs about twice
/// times as much as this read, and the guard would need three per commit. Where
/// inotify is missing or out of instances (`fs.inotify.max_user_instances`), `init`
/// returns `nil` and the guard stats every commit instead.
final class SQLiteDirectoryWatch {
    private let descriptor: Int32

    init?(directory: String) {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        let events = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)
        guard inotify_add_watch(descriptor, directory, events) >= 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }

    /// Whether something changed in the directory since the last call (or since
    /// `init`); drains the queued events.
    func changed() -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 8) { buffer in
            var changed = false
            while read(descriptor, buffer.baseAddress, buffer.count) > 0 {
                changed = true
            }
            return changed
        }
    }
}
#else
/// Without inotify there is no watch: the file guard stats at every commit.
final class SQLiteDirectoryWatch {
    init?(directory: String) {
        return nil
    }

    func changed() -> Bool { true }
}
#endif
