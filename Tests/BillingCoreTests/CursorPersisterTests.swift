@testable import BillingCore
import Logging
import Synchronization
import Testing

@Suite("CursorPersister: background cursor writes")
struct CursorPersisterTests {
    /// Records writes; can be told to fail.
    final class FakeStore: Sendable {
        let writes = Mutex<[Int64]>([])
        let failing = Mutex(false)
        func write(_ sequence: Int64) async throws {
            if failing.withLock({ $0 }) { throw HandlerFailure() }
            writes.withLock { $0.append(sequence) }
        }
    }

    @Test("Requests never wait; they are coalesced; flush stores the latest value")
    func coalesces() async throws {
        let store = FakeStore()
        let persister = CursorPersister(persisted: 0, logger: Logger(label: "test")) { try await store.write($0) }
        for sequence in 1...1_000 { persister.request(Int64(sequence)) }
        persister.request(500)  // never backwards
        try await persister.flush()
        let writes = store.writes.withLock { $0 }
        #expect(writes.last == 1_000)
        #expect(writes == writes.sorted(), "written in increasing order")
        #expect(writes.count < 100, "a burst is written a few times, not once per request (\(writes.count) writes)")
        try await persister.flush()
        #expect(store.writes.withLock { $0.count } == writes.count, "nothing left to write")
    }

    @Test("A failed write is reported by flush and retried by the next request or flush")
    func retriesAfterFailure() async throws {
        let store = FakeStore()
        let persister = CursorPersister(persisted: 10, logger: Logger(label: "test")) { try await store.write($0) }
        store.failing.withLock { $0 = true }
        persister.request(11)
        await #expect(throws: HandlerFailure.self) { try await persister.flush() }
        store.failing.withLock { $0 = false }
        try await persister.flush()
        #expect(store.writes.withLock { $0 } == [11])
    }

    @Test("After a reset, earlier requests are forgotten")
    func reset() async throws {
        let store = FakeStore()
        let persister = CursorPersister(persisted: 5, logger: Logger(label: "test")) { try await store.write($0) }
        persister.request(5)
        try await persister.flush()
        #expect(store.writes.withLock { $0 }.isEmpty, "the stored value needs no write")
        persister.request(9)
        try await persister.flush()
        persister.reset(to: 2)
        try await persister.flush()
        persister.request(3)
        try await persister.flush()
        #expect(store.writes.withLock { $0 } == [9, 3])
    }
}
