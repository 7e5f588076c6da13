import BillingCore
import CBilingusSQLite
import Foundation

/// Whether writing the store's file is still safe: the database, `-wal` and `-shm`
/// at the path must be the files the store opened, and no damaged page may have
/// been met.
///
/// SQLite keeps writing to a file that was unlinked or renamed under it; every
/// commit then "succeeds" into an inode nobody can open again. So the writer's
/// commit hook, once per commit (not per event), compares each path's device and
/// inode with those seen at open, and turns the commit into a rollback if they
/// differ. To keep that cheap, it stats only after the directory reported a name
/// created, deleted or renamed (``SQLiteDirectoryWatch``); health checks always
/// stat, which also catches a parent directory renamed. A failure is latched: the
/// store refuses writes until it is reopened.
final class SQLiteFileGuard: Sendable {
    private struct WatchedFile: Sendable {
        let path: String
        let identity: FileIdentity
    }

    private struct FileIdentity: Equatable, Sendable {
        let device: UInt64
        let inode: UInt64

        init?(path: String) {
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
        }
    }

    let path: String
    private let watched = Locked<[WatchedFile]>([])
    /// `nil` until ``watch()``, and where inotify is unavailable: then every check stats.
    private let directoryWatch = Locked<SQLiteDirectoryWatch?>(nil)
    private let failure = Locked<BillingError?>(nil)

    init(path: String) {
        self.path = path
    }

    /// Records the files now at the path (the database and, in WAL mode, its
    /// `-wal` and `-shm`), once every connection has opened them.
    func watch() {
        // Watch first, then record: a change in between is seen at the first commit.
        let directory = SQLiteWriteAccess.directory(of: path)
        directoryWatch.withLock { $0 = SQLiteDirectoryWatch(directory: directory) }
        let files = [path, path + "-wal", path + "-shm"].compactMap { file in
            FileIdentity(path: file).map { WatchedFile(path: file, identity: $0) }
        }
        watched.withLock { $0 = files }
    }

    /// Releases the directory watch (its inotify instance) once the store is closed.
    func stopWatching() {
        directoryWatch.withLock { $0 = nil }
    }

    /// Why writing is refused, if it is: an earlier latched failure, or a watched
    /// file that is no longer at its path. With `thorough`, stats even if the
    /// directory reported no change.
    func problem(thorough: Bool = false) -> BillingError? {
        if let latched = failure.withLock({ $0 }) { return latched }
        if !thorough, directoryWatch.withLock({ $0.map { !$0.changed() } ?? false }) {
            return nil
        }
        let files = watched.withLock { $0 }
        guard let moved = files.first(where: { FileIdentity(path: $0.path) != $0.identity }) else { return nil }
        return latch(
            BillingError(
                .storageUnavailable,
                "\(moved.path) was deleted, moved or replaced while the store had it open; writes are refused, because they would go to a file that can no longer be opened at that path. Put the file back (or use its new path) and reopen the store"
            )
        )
    }

    /// Throws ``problem(thorough:)``, stating every watched file, if there is one.
    func check() throws {
        if let problem = problem(thorough: true) { throw problem }
    }

    /// Records a damaged page met by any connection: from now on writes are refused.
    func recordDamage(_ error: BillingError) {
        _ = latch(
            BillingError(
                .storageCorrupt,
                "\(path) is damaged (\(error.message)); writes are refused so that nothing more is written into it. Restore it from a backup, or recover it with the sqlite3 tool's .recover, then reopen",
                underlying: error
            )
        )
    }

    /// Keeps the first failure: it names the cause, later ones are its consequences.
    private func latch(_ error: BillingError) -> BillingError {
        failure.withLock { latched in
            if latched == nil { latched = error }
            return latched ?? error
        }
    }

    /// Makes `connection` check this guard at every commit (its commit hook).
    func install(on connection: OpaquePointer) {
        sqlite3_commit_hook(
            connection,
            { context in
                guard let context else { return 0 }
                let fileGuard = Unmanaged<SQLiteFileGuard>.fromOpaque(context).takeUnretainedValue()
                // Non-zero turns the COMMIT into a ROLLBACK (SQLITE_CONSTRAINT_COMMITHOOK).
                return fileGuard.problem() == nil ? 0 : 1
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }
}
