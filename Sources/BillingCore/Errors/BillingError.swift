/// The error type Bilingus throws. (``DeliveryError`` is the other way round: what a
/// durable subscription's handler throws to steer its retries.)
///
/// Modelled on Hummingbird's `HTTPError`: a struct with an extensible ``Code``
/// rather than a closed enum, so later layers (storage, plugins, webhooks) add
/// codes without breaking anyone's `switch`. Codes used by more than one layer, the
/// storage codes among them (every backend maps its errors to them), are defined here.
///
/// The ``message`` is written for an operator reading a log. It names the field
/// or operation that failed and never contains secrets or payload data; the
/// ``underlying`` error carries the low-level cause.
public struct BillingError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Compare with `==` against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A stable, dotted identifier such as `event.invalid`.
        public let rawValue: String

        /// Creates a code. Layers above BillingCore define their own as static members.
        public init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// An event, filter or argument failed validation.
        public static let invalidArgument = Code("invalid.argument")
        /// A configured limit (payload size, metadata entries, lengths) was exceeded.
        public static let limitExceeded = Code("limit.exceeded")
        /// Two amounts in different currencies were combined.
        public static let currencyMismatch = Code("money.currency_mismatch")
        /// An arithmetic result does not fit in 64-bit minor units.
        public static let overflow = Code("money.overflow")
        /// A currency code is not an active ISO 4217 code.
        public static let unknownCurrency = Code("money.unknown_currency")
        /// Text could not be parsed (money, JSON, identifiers).
        public static let parseFailure = Code("parse.failure")
        /// A payload could not be encoded or decoded as its typed form.
        public static let payloadMismatch = Code("payload.mismatch")
        /// The storage backend failed; ``BillingError/underlying`` has the cause.
        public static let storageFailure = Code("storage.failure")
        /// A requested record does not exist.
        public static let notFound = Code("not_found")
        /// Something with that id or name exists already; nothing was written.
        public static let alreadyExists = Code("already_exists")
        /// An operation did not finish within its deadline.
        public static let timeout = Code("timeout")
        /// The component has been shut down and no longer accepts work.
        public static let shutDown = Code("shut_down")
        /// The operation is not supported by this component or configuration.
        public static let unsupported = Code("unsupported")
        /// A plugin could not do what was asked: it threw, timed out, returned a failure,
        /// failed to initialize, or is quarantined. Retry later.
        public static let pluginFailure = Code("plugin.failure")
        /// An idempotency key (or an event id) was reused with a different type, payload,
        /// entity or user. Nothing was stored.
        public static let idempotencyConflict = Code("idempotency.conflict")
        /// A process lost the lease of a durable subscription (another took over after
        /// it stalled); its writes for that subscription were refused.
        public static let leaseLost = Code("subscription.lease_lost")
        /// A delivery attempt was cut off because its process ended (killed, crashed, or
        /// taken down by the handler); recorded as the attempt's failure.
        public static let deliveryInterrupted = Code("delivery.interrupted")
        /// A plugin-state write's condition did not hold (the entry exists, or has
        /// another version). Nothing was written.
        public static let stateConflict = Code("plugin_state.conflict")

        /// The database or the disk is full. Free space, then retry.
        public static let storageFull = Code("storage.full")
        /// The database cannot be written: a read-only file, directory or store.
        public static let storageReadOnly = Code("storage.read_only")
        /// The file is not a database of the expected kind, or is damaged.
        public static let storageCorrupt = Code("storage.corrupt")
        /// Another connection or process held a lock longer than the busy timeout.
        public static let storageBusy = Code("storage.busy")
        /// The database could not be opened or created.
        public static let storageUnavailable = Code("storage.unavailable")
        /// The database was written by a newer Bilingus whose schema this version does not know.
        public static let storageSchemaTooNew = Code("storage.schema_too_new")

        /// A sealed secret names a key id that is not configured. Nothing was changed:
        /// configure that key (as a previous key, to rotate away from it) and retry.
        public static let secretKeyNotConfigured = Code("secret.key_not_configured")
        /// A sealed secret failed authentication: it was altered, re-labelled with
        /// another key id, or the key with its id is not the one that sealed it.
        public static let secretAuthenticationFailed = Code("secret.authentication_failed")
        /// Text that should be a sealed secret is not in the sealed format.
        public static let secretMalformed = Code("secret.malformed")
        /// A sealing key is unusable: a bad key id, bad base64 or not 32 bytes.
        public static let secretKeyInvalid = Code("secret.key_invalid")
        /// The key file is readable or writable by group or others; `chmod 600` it.
        public static let secretKeyFileInsecure = Code("secret.key_file_insecure")
        /// The key file is not one `<id> <base64 of 32 bytes>` line per key.
        public static let secretKeyFileMalformed = Code("secret.key_file_malformed")
        /// The key file could not be read, created or written.
        public static let secretKeyFileUnavailable = Code("secret.key_file_unavailable")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human-readable explanation without secrets or payload data.
    public var message: String
    /// The field or setting at fault, when there is one (for example `metadata` or `tenantId`).
    public var field: String?
    /// The lower-level error that caused this one, if any.
    public var underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.underlying = underlying
    }

    public var description: String {
        var text = "BillingError(\(code)): \(message)"
        if let field {
            text += " [field: \(field)]"
        }
        if let underlying {
            text += " (caused by: \(String(describing: underlying)))"
        }
        return text
    }
}

extension BillingError {
    /// A validation failure naming the offending field.
    package static func invalid(_ field: String, _ message: String) -> BillingError {
        BillingError(.invalidArgument, message, field: field)
    }

    /// A limit violation naming the offending field.
    package static func limit(_ field: String, _ message: String) -> BillingError {
        BillingError(.limitExceeded, message, field: field)
    }
}
