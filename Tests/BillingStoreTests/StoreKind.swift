import BilingusTestSupport
import BillingCore
import BillingStore
import Foundation
import Testing

/// A storage implementation under test. The conformance suite runs once per kind,
/// so every backend is held to the same semantics.
struct StoreKind: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> any BillingStorage

    var testDescription: String { name }

    static let inMemory = StoreKind(name: "in-memory") { InMemoryEventStore() }
    static let sqlite = StoreKind(name: "sqlite") { try SQLiteEventStore(path: TemporaryFiles.newPath()) }

    /// Every backend the conformance suite covers.
    static let all: [StoreKind] = [.inMemory, .sqlite]
}
