/// The engine's audit log settings (`BillingEngine.Configuration.audit`; `nil` leaves it off).
public struct AuditConfiguration: Sendable {
    /// Signs checkpoints; keep it outside the database (without one, checkpoints are unsigned).
    public var signingKey: AuditSigningKey?
    /// What `verify` checks signatures with; by default the signing key's.
    public var verificationKeys: [AuditVerificationKey]?
    /// How often every moved chain head is checkpointed (and once more at graceful shutdown).
    public var checkpointInterval: Duration
    /// How long entries are kept, at least: chains are cut at the newest checkpoint older than
    /// this, after each periodic checkpoint. `nil` (the default) keeps everything.
    public var retention: Duration?

    /// Settings; every one has the documented default.
    public init(
        signingKey: AuditSigningKey? = nil, verificationKeys: [AuditVerificationKey]? = nil, checkpointInterval: Duration = .seconds(3600),
        retention: Duration? = nil
    ) {
        self.signingKey = signingKey
        self.verificationKeys = verificationKeys
        self.checkpointInterval = checkpointInterval
        self.retention = retention
    }
}
