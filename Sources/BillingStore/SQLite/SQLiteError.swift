import BillingCore
import CBilingusSQLite

/// A failed SQLite call, kept as the ``BillingError/underlying`` cause.
///
/// The message comes from `sqlite3_errmsg`, which names tables, columns and
/// constraints but never bound values, so it cannot leak payload data or secrets.
struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The primary result code (`SQLITE_FULL` is 13).
    let resultCode: Int32
    /// The extended result code, which says more (`SQLITE_IOERR_FSYNC`).
    let extendedResultCode: Int32
    /// SQLite's own explanation.
    let message: String
    /// What we were doing: "open the database", "append events".
    let operation: String

    var description: String {
        "SQLite error \(resultCode) (\(Self.name(of: resultCode))) while trying to \(operation): \(message)"
    }

    static func name(of code: Int32) -> String {
        String(cString: sqlite3_errstr(code))
    }
}

extension SQLiteError {
    /// The ``BillingError`` a caller sees: a code it can switch on, a message for
    /// operators, and this error as the cause.
    var billingError: BillingError {
        let code: BillingError.Code
        let hint: String
        switch resultCode {
        case SQLITE_FULL:
            code = .storageFull
            hint = "the database or the disk is full; nothing from this operation was written"
        case SQLITE_READONLY:
            code = .storageReadOnly
            hint = "the database is read-only"
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            code = .storageCorrupt
            hint = "the file is not a SQLite database or is corrupt"
        case SQLITE_BUSY, SQLITE_LOCKED:
            code = .storageBusy
            hint = "the database stayed locked by another connection past the busy timeout"
        case SQLITE_CANTOPEN:
            code = .storageUnavailable
            hint = "the database file could not be opened; check the path and its directory"
        default:
            code = .storageFailure
            hint = Self.name(of: resultCode)
        }
        return BillingError(code, "SQLite could not \(operation): \(hint) (SQLite code \(extendedResultCode))", underlying: self)
    }
}
