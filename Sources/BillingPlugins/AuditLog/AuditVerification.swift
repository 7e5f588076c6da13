/// What `verify` found in one chain.
public struct AuditVerification: Sendable, Hashable {
    /// The chain.
    public var chain: String
    /// Entries checked (from the retention cut, if any, to the head).
    public var entries: Int
    /// Checkpoints checked.
    public var checkpoints: Int
    /// The first thing wrong, in chain order; nil when the chain is intact.
    public var problem: AuditProblem?

    /// Whether the chain is intact.
    public var isIntact: Bool { problem == nil }
}

/// The first thing wrong with a chain: which entry, and how.
public struct AuditProblem: Sendable, Hashable, CustomStringConvertible {
    /// How it is wrong.
    public enum Kind: String, Sendable, Hashable {
        /// The entry's content (or its link to the entry before) was changed.
        case contentChanged = "content_changed"
        /// An entry is missing: the sequence skips it, or the chain ends before its head.
        case entryMissing = "entry_missing"
        /// The entry links to one that comes after it: entries were reordered.
        case entryReordered = "entry_reordered"
        /// A checkpoint does not match the entry it covers, or its signature does not verify.
        case checkpointMismatch = "checkpoint_mismatch"
        /// The event the entry records was changed in the event store.
        case eventChanged = "event_changed"
        /// The event the entry records is no longer in the event store.
        case eventMissing = "event_missing"
        /// The chain's last entry is not its recorded head.
        case headMismatch = "head_mismatch"
    }

    /// How it is wrong.
    public var kind: Kind
    /// The entry (or checkpoint) at fault.
    public var sequence: Int64
    /// What was found, in words.
    public var message: String

    public var description: String { "\(kind.rawValue) at \(sequence): \(message)" }
}
