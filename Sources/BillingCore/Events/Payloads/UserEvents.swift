public import Foundation

/// `user.created`: a user was created in the host service.
public struct UserCreated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.userCreated
    /// The new user.
    public var user: UserSnapshot
    public var eventEntityId: String? { user.id }
    public var eventUserId: String? { user.id }
    /// Creates the payload.
    public init(user: UserSnapshot) { self.user = user }
}

/// `user.updated`: a user's profile changed.
public struct UserUpdated: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.userUpdated
    /// The user after the change.
    public var user: UserSnapshot
    /// The names of the fields that changed.
    public var changedFields: [String]
    public var eventEntityId: String? { user.id }
    public var eventUserId: String? { user.id }
    /// Creates the payload.
    public init(user: UserSnapshot, changedFields: [String] = []) {
        self.user = user
        self.changedFields = changedFields
    }
}

/// `user.deleted`: a user was deleted.
public struct UserDeleted: BillingEventPayload, Hashable {
    public static let eventType = BillingEventType.userDeleted
    /// The deleted user's id.
    public var userId: String
    /// When it was deleted.
    public var deletedAt: Date?
    public var eventEntityId: String? { userId }
    public var eventUserId: String? { userId }
    /// Creates the payload.
    public init(userId: String, deletedAt: Date? = nil) {
        self.userId = userId
        self.deletedAt = deletedAt
    }
}
