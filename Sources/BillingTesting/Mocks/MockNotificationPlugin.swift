public import BillingCore
import Synchronization

/// A scriptable `NotificationPlugin` that keeps what it "sent". Sending an id twice
/// sends once, as a real plugin must.
public final class MockNotificationPlugin: NotificationPlugin {
    public static let name = "mock-notification"
    public let version = "1.0.0-mock"
    public let description = "Scriptable notification plugin for tests"
    public let author = "BillingTesting"
    public let eventPatterns: [EventPattern]

    /// Lifecycle scripting and the config it received.
    public let lifecycle = MockLifecycle()
    /// `sendNotification`: sent by default.
    public let send = MockScript<NotificationRequest, NotificationStatus>(default: .value(.sent))
    private let sent = Locked<[String: NotificationRequest]>([:])

    /// Creates the mock.
    public init(eventPatterns: [EventPattern] = []) {
        self.eventPatterns = eventPatterns
    }

    /// The notifications sent, by id.
    public var sentNotifications: [String: NotificationRequest] {
        sent.withLock { $0 }
    }

    public func initialize(_ config: PluginConfig) async throws { try await lifecycle.didInitialize(config) }
    public func execute(_ context: BillingContext) async throws -> PluginResult { try await lifecycle.execute.respond(to: context) }
    public func shutdown() async throws { lifecycle.didShutdown() }
    public func healthCheck() async -> PluginHealth { lifecycle.health }

    public func sendNotification(_ notification: NotificationRequest) async throws -> NotificationReceipt {
        if sent.withLock({ $0[notification.id] != nil }) {
            return NotificationReceipt(notificationId: notification.id, status: .sent)
        }
        let status = try await send.respond(to: notification)
        if status != .failed {
            sent.withLock { $0[notification.id] = notification }
        }
        return NotificationReceipt(notificationId: notification.id, status: status)
    }

    public func getNotificationStatus(_ notificationId: String) async throws -> NotificationStatus {
        sent.withLock { $0[notificationId] != nil } ? .sent : .unknown
    }
}
