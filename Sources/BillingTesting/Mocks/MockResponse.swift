public import BillingCore
import Synchronization

/// What a mock plugin's method does when called.
public enum MockResponse<Value: Sendable>: Sendable {
    /// Return this value.
    case value(Value)
    /// Throw this error.
    case error(any Error)
    /// Wait this long (real time, cancellable), then return the value.
    case delayed(Duration, Value)
    /// Never return, even when cancelled: a stuck plugin, for isolation tests.
    case hang
}

/// A scripted sequence of responses and a log of the calls that consumed them.
///
/// Responses queued with ``enqueue(_:)`` are used first, in order; then the default.
public final class MockScript<Request: Sendable, Value: Sendable>: Sendable {
    private struct State {
        var queue: [MockResponse<Value>] = []
        var fallback: MockResponse<Value>
        var calls: [Request] = []
        var hung: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Locked<State>

    /// Creates a script answering `fallback` when nothing is queued.
    public init(default fallback: MockResponse<Value>) {
        state = Locked(State(fallback: fallback))
    }

    /// Queues responses for the next calls.
    public func enqueue(_ responses: MockResponse<Value>...) {
        state.withLock { $0.queue += responses }
    }

    /// Replaces the response used when nothing is queued.
    public func setDefault(_ response: MockResponse<Value>) {
        state.withLock { $0.fallback = response }
    }

    /// The requests received, in order.
    public var calls: [Request] {
        state.withLock { $0.calls }
    }

    /// Records `request` and plays the next response.
    public func respond(to request: Request) async throws -> Value {
        let response = state.withLock { state -> MockResponse<Value> in
            state.calls.append(request)
            return state.queue.isEmpty ? state.fallback : state.queue.removeFirst()
        }
        switch response {
        case .value(let value):
            return value
        case .error(let error):
            throw error
        case .delayed(let delay, let value):
            try await Task.sleep(for: delay)
            return value
        case .hang:
            // Parked until `releaseHungCalls()`; cancellation is ignored on purpose.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                state.withLock { $0.hung.append(continuation) }
            }
            throw MockPluginError("a hung call was released")
        }
    }

    /// Lets calls stuck in `.hang` finish (they throw). Call it at the end of a test.
    public func releaseHungCalls() {
        let hung = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.hung.removeAll() }
            return state.hung
        }
        for continuation in hung { continuation.resume() }
    }
}

/// The error mocks throw when told to fail, with a message of the test's choosing.
public struct MockPluginError: Error, CustomStringConvertible, Hashable {
    /// The message.
    public let description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}

/// What every mock plugin shares: lifecycle scripting and a record of its config.
public final class MockLifecycle: Sendable {
    private struct State {
        var config: PluginConfig?
        var initializeCount = 0
        var shutdownCount = 0
        var health = PluginHealth.healthy
    }

    private let state = Locked(State())
    /// What `initialize` does (default: succeed).
    public let initialize = MockScript<PluginSettings, Void>(default: .value(()))
    /// What `execute` does for contexts the mock does not handle itself (default: success).
    public let execute = MockScript<BillingContext, PluginResult>(default: .value(.success()))

    /// Creates the shared state.
    public init() {}

    /// The config from the last successful `initialize`.
    public var config: PluginConfig? { state.withLock { $0.config } }
    /// How many times `initialize` was called.
    public var initializeCount: Int { state.withLock { $0.initializeCount } }
    /// How many times `shutdown` was called.
    public var shutdownCount: Int { state.withLock { $0.shutdownCount } }
    /// What `healthCheck` reports.
    public var health: PluginHealth {
        get { state.withLock { $0.health } }
        set { state.withLock { $0.health = newValue } }
    }

    func didInitialize(_ config: PluginConfig) async throws {
        state.withLock { $0.initializeCount += 1 }
        try await initialize.respond(to: config.settings)
        state.withLock { $0.config = config }
    }

    func didShutdown() {
        state.withLock { $0.shutdownCount += 1 }
    }
}
