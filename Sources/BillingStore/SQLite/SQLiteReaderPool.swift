import BillingCore
import Dispatch

/// Reader connections, each on its own serial queue, lent out one read at a time.
///
/// In WAL mode readers never block the writer or each other: each read sees the
/// last commit that finished before it started.
final class SQLiteReaderPool: Sendable {
    private struct Reader: Sendable {
        let connection: ConfinedConnection
        let queue: DispatchQueue
    }

    private struct State {
        var idle: [Int]
        var waiters: [CheckedContinuation<Int, Never>] = []
        var closed = false
    }

    private let readers: [Reader]
    private let state: Locked<State>

    init(connections: [SQLiteConnection], label: String) {
        readers = connections.enumerated().map { index, connection in
            Reader(connection: ConfinedConnection(connection), queue: DispatchQueue(label: "\(label).\(index)"))
        }
        state = Locked(State(idle: Array(readers.indices)))
    }

    /// Runs `body` on an idle reader, waiting for one if all are busy.
    ///
    /// With `inline`, the read runs on the caller's task once a connection is
    /// acquired (the pool already grants exclusive use); otherwise on the reader's
    /// queue, for reads long enough to matter to the cooperative thread pool.
    func read<Value: Sendable>(inline: Bool, _ body: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        if state.withLock({ $0.closed }) {
            throw BillingError(.shutDown, "The SQLite store is closed")
        }
        let index = await acquire()
        defer { release(index) }
        let reader = readers[index]
        if inline {
            return try body(reader.connection.value)
        }
        return try await withCheckedThrowingContinuation { continuation in
            reader.queue.async {
                continuation.resume(with: Result { try body(reader.connection.value) })
            }
        }
    }

    /// Waits for every reader to be idle, then closes them. Later reads fail with `shut_down`;
    /// closing again does nothing (the first close holds every reader for good).
    func close() async {
        let wasClosed = state.withLock { state in
            defer { state.closed = true }
            return state.closed
        }
        guard !wasClosed else { return }
        for _ in readers.indices {
            _ = await acquire()
        }
        for reader in readers {
            reader.queue.sync { reader.connection.value.close() }
        }
    }

    private func acquire() async -> Int {
        await withCheckedContinuation { continuation in
            let index = state.withLock { state -> Int? in
                if let index = state.idle.popLast() { return index }
                state.waiters.append(continuation)
                return nil
            }
            if let index { continuation.resume(returning: index) }
        }
    }

    private func release(_ index: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Int, Never>? in
            if state.waiters.isEmpty {
                state.idle.append(index)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: index)
    }
}
