public import BillingCore

extension BillingError.Code {
    /// The server refused the message or its recipient for good (5xx): recorded as failed, not retried.
    public static let emailRejected = BillingError.Code("email.rejected")
    /// The server asked to try later (4xx): retried with backoff.
    public static let emailTransient = BillingError.Code("email.transient")
    /// The server refused the login (535), or offers no mechanism the client supports.
    public static let emailAuthentication = BillingError.Code("email.authentication")
    /// TLS is required and not offered, or the handshake or the certificate failed.
    public static let emailTLS = BillingError.Code("email.tls")
    /// No connection to the server: refused, unreachable, timed out.
    public static let emailConnection = BillingError.Code("email.connection")
    /// The server broke the SMTP protocol.
    public static let emailProtocol = BillingError.Code("email.protocol")
    /// The event names no user with an address, and no lookup found one.
    public static let emailNoRecipient = BillingError.Code("email.no_recipient")
    /// The outbox folder could not be written.
    public static let emailOutboxFailure = BillingError.Code("email.outbox_failure")
}

extension SMTPError {
    /// The `BillingError` code of this failure.
    public var billingCode: BillingError.Code {
        switch kind {
        case .permanent: .emailRejected
        case .transient: .emailTransient
        case .authentication: .emailAuthentication
        case .tls: .emailTLS
        case .connection: .emailConnection
        case .protocolViolation: .emailProtocol
        }
    }

    /// This failure as a `BillingError`, with itself as the underlying error.
    var billingError: BillingError {
        BillingError(billingCode, message, underlying: self)
    }
}
