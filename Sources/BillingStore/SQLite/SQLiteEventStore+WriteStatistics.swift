import BillingCore

extension SQLiteEventStore {
    /// What the store's writer has committed since it opened: how well group commit
    /// fills its transactions (``eventsPerCommit``), for monitoring and benchmarks.
    public struct WriteStatistics: Sendable, Hashable {
        /// Transactions committed by the writer (group commits and inline commits).
        public var commits = 0
        /// Events appended in those transactions (duplicates included: they were offered and checked).
        public var events = 0
        /// Other writes (cursors, attempt records, dead letters, leases, plugin data)
        /// that shared those transactions.
        public var joinedWrites = 0

        /// Appended events per commit; 0 before the first commit.
        public var eventsPerCommit: Double {
            commits == 0 ? 0 : Double(events) / Double(commits)
        }

        /// Creates empty statistics.
        public init() {}
    }

    /// What the writer has committed since the store opened.
    public var writeStatistics: WriteStatistics {
        writer.statistics
    }

    static func readOnlyError() -> BillingError {
        BillingError(.storageReadOnly, "The SQLite store was opened read-only; appends are refused")
    }
}
