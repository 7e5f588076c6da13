/// Bounds on what one event may carry. A violation is a ``BillingError`` coded
/// `limit.exceeded` naming the field, and nothing is stored.
///
/// The defaults suit a billing service: events are facts with references, not
/// documents. Raise them deliberately, knowing every subscriber and webhook
/// receiver gets the same bytes.
public struct EventLimits: Sendable, Hashable {
    /// Largest canonical JSON encoding of the payload, in bytes (default 256 KiB).
    public var maxPayloadBytes: Int
    /// Deepest nesting of arrays and objects in payload and metadata (default 32).
    public var maxJSONDepth: Int
    /// Most metadata entries (default 64).
    public var maxMetadataEntries: Int
    /// Longest metadata key, in UTF-8 bytes (default 128).
    public var maxMetadataKeyLength: Int
    /// Largest canonical JSON encoding of one metadata value, in bytes (default 4 KiB).
    public var maxMetadataValueBytes: Int
    /// Longest tenant, user, entity, idempotency and correlation id, in UTF-8 bytes (default 255).
    public var maxIdentifierLength: Int
    /// Most events in one atomic `publish([events])` (default 10,000).
    public var maxBatchSize: Int

    /// Creates limits; every parameter has the documented default.
    public init(
        maxPayloadBytes: Int = 256 * 1024,
        maxJSONDepth: Int = 32,
        maxMetadataEntries: Int = 64,
        maxMetadataKeyLength: Int = 128,
        maxMetadataValueBytes: Int = 4 * 1024,
        maxIdentifierLength: Int = 255,
        maxBatchSize: Int = 10_000
    ) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxJSONDepth = maxJSONDepth
        self.maxMetadataEntries = maxMetadataEntries
        self.maxMetadataKeyLength = maxMetadataKeyLength
        self.maxMetadataValueBytes = maxMetadataValueBytes
        self.maxIdentifierLength = maxIdentifierLength
        self.maxBatchSize = maxBatchSize
    }
}
