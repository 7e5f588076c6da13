import BillingCore
import Foundation

/// Why SQLite cannot write a database, naming the file at fault.
///
/// SQLite says only "attempt to write a readonly database" or "unable to open
/// database file"; in WAL mode the culprit may be the database, its `-wal` or
/// `-shm`, the directory they must be created in, or the file system.
enum SQLiteWriteAccess {
    /// The first reason found that `path` cannot be written, or `nil`.
    static func problem(with path: String) -> String? {
        let directory = directory(of: path)
        var fileSystem = statvfs()
        if statvfs(directory, &fileSystem) == 0, fileSystem.f_flag & UInt(ST_RDONLY) != 0 {
            return "\(path) is on a read-only file system"
        }
        if let reason = unwritable(path) {
            return "\(path) is not writable (\(reason))"
        }
        for companion in [path + "-wal", path + "-shm"] {
            if let reason = unwritable(companion) {
                return "\(companion) is not writable (\(reason)), though SQLite must write it; make it writable, or delete it while no process has the database open"
            }
        }
        let companions: [String] = [path, path + "-wal", path + "-shm"]
        let missing = companions.filter { access($0, F_OK) != 0 }
        if !missing.isEmpty, access(directory, F_OK) == 0, access(directory, W_OK) != 0 {
            return "the directory \(directory) is not writable (\(describe(errno, directory))), so SQLite cannot create \(missing.joined(separator: " and ")) in it"
        }
        return nil
    }

    /// Gives a `-shm` that this process owns but cannot write (a stale 0444 one from
    /// an earlier run, say) the database file's mode, if the database itself is
    /// writable: SQLite creates every `-shm` with its database's mode, and would
    /// otherwise read through the stale one and refuse every write. Changing the
    /// mode does not disturb another process that has the file open.
    static func restoreStaleShmMode(_ path: String) {
        let shm = path + "-shm"
        guard access(shm, F_OK) == 0, access(shm, W_OK) != 0, access(path, W_OK) == 0 else { return }
        var database = stat()
        var memory = stat()
        guard stat(path, &database) == 0, stat(shm, &memory) == 0, memory.st_uid == geteuid() else { return }
        _ = chmod(shm, database.st_mode & 0o777)
    }

    /// `storage.read_only` naming the file at fault, if one is found.
    static func readOnlyError(_ path: String, while operation: String, underlying: BillingError? = nil) -> BillingError? {
        guard let problem = problem(with: path) else { return nil }
        return BillingError(.storageReadOnly, "SQLite cannot \(operation): \(problem)", underlying: underlying)
    }

    /// Why an existing file cannot be opened for writing, or `nil` (also for a missing file).
    private static func unwritable(_ path: String) -> String? {
        guard access(path, F_OK) == 0, access(path, W_OK) != 0 else { return nil }
        return describe(errno, path)
    }

    private static func describe(_ error: Int32, _ path: String) -> String {
        var status = stat()
        let mode = stat(path, &status) == 0 ? ", mode 0\(String(status.st_mode & 0o7777, radix: 8)), owner uid \(status.st_uid)" : ""
        switch error {
        case EPERM: return "writes are not permitted: an immutable attribute, see lsattr\(mode)"
        case EROFS: return "read-only file system"
        default: return "permission denied\(mode)"
        }
    }

    static func directory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }
}
