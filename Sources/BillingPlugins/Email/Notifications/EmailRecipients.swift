public import BillingCore

/// Where the email plugin finds a user's address and locale when the event does not
/// carry them (`payment.completed` names only the user id). The host implements it
/// over its own user records and passes it to ``EmailNotificationPlugin/init(recipients:events:)``.
///
/// ```swift
/// struct Users: EmailRecipientLookup {
///     let database: MyDatabase
///     func recipient(userId: String, tenantId: String?) async throws -> UserSnapshot? {
///         try await database.user(id: userId, tenant: tenantId)?.snapshot
///     }
/// }
/// ```
public protocol EmailRecipientLookup: Sendable {
    /// The user's snapshot (its `email`, `name` and `locale` are used), or `nil` if unknown.
    /// A throw is treated as transient: the event is delivered again later.
    func recipient(userId: String, tenantId: String?) async throws -> UserSnapshot?
}

/// Who an event's message goes to, found in this order: the event's own `user`
/// (`invoice.generated`, `user.created`), the user a direct call names, then the host's lookup.
struct EmailRecipientResolver: Sendable {
    let lookup: (any EmailRecipientLookup)?

    func user(for context: BillingContext) async throws -> UserSnapshot? {
        if let user = context.payload["user"].flatMap({ try? CanonicalJSON.decode(UserSnapshot.self, from: $0) }), user.email != nil {
            return user
        }
        if let user = context.user, user.email != nil { return user }
        guard let lookup, let userId = context.event.userId else { return nil }
        return try await lookup.recipient(userId: userId, tenantId: context.tenantId)
    }
}
