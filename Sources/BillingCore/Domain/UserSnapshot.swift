public import Foundation

/// A user as the host service sees it at the moment of an event.
///
/// Snapshots are small, Codable copies of the host's records: consumers of an
/// event get the state it describes without querying the host back.
public struct UserSnapshot: Codable, Sendable, Hashable {
    /// The host's user id.
    public var id: String
    /// Where notifications go.
    public var email: String?
    /// A display name.
    public var name: String?
    /// ISO 3166-1 alpha-2 country, used by tax and fraud plugins.
    public var country: String?
    /// Preferred locale for notifications, such as `en` or `ru`.
    public var locale: String?
    /// When the user was created in the host.
    public var createdAt: Date?

    /// Creates a snapshot.
    public init(id: String, email: String? = nil, name: String? = nil, country: String? = nil, locale: String? = nil, createdAt: Date? = nil) {
        self.id = id
        self.email = email
        self.name = name
        self.country = country
        self.locale = locale
        self.createdAt = createdAt
    }
}
