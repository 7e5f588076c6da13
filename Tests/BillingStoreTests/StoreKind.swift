import BillingCore
import BillingStore
import Testing

/// A storage implementation under test. The conformance suite runs once per kind,
/// so every backend is held to the same semantics.
struct StoreKind: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> any EventStore

    var testDescription: String { name }

    static let inMemory = StoreKind(name: "in-memory") { InMemoryEventStore() }

    /// Every backend the conformance suite covers.
    static let all: [StoreKind] = [.inMemory]
}
