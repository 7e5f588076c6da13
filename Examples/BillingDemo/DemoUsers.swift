import Bilingus

/// The demo's user directory: what a host's own user table would be. The email plugin
/// asks it for the address and locale of events that carry only a user id
/// (`payment.completed`).
struct DemoUsers: EmailRecipientLookup {
    static let ada = UserSnapshot(id: "user-1", email: "ada@example.com", name: "Ada", country: "DE", locale: "en")

    func recipient(userId: String, tenantId: String?) async throws -> UserSnapshot? {
        userId == Self.ada.id ? Self.ada : nil
    }
}
