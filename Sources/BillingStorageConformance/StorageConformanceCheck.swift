public import BillingCore

/// One named check of the storage conformance kit: it makes a fresh store, exercises
/// one semantic of the storage protocols, and closes the store.
///
/// Checks are values, so a host runs each one as its own test case; see
/// ``StorageConformance`` for the Swift Testing example.
public struct StorageConformanceCheck: Sendable, Identifiable, CustomStringConvertible {
    /// The protocol the check holds a store to, such as `EventStore`.
    public let suite: String
    /// What the check verifies, as a sentence.
    public let name: String

    private let body: @Sendable (any BillingStorage) async throws -> Void
    private let fileID: String
    private let line: Int

    init(
        _ suite: String, _ name: String, fileID: String = #fileID, line: Int = #line,
        _ body: @escaping @Sendable (any BillingStorage) async throws -> Void
    ) {
        self.suite = suite
        self.name = name
        self.fileID = fileID
        self.line = line
        self.body = body
    }

    /// `suite/name`: stable across runs, so a test runner can rerun one check by its id.
    public var id: String { "\(suite)/\(name)" }

    /// `suite: name`, as test runners show the check.
    public var description: String { "\(suite): \(name)" }

    /// Makes a store with `makeStore`, runs the check against it, and closes the store
    /// (also when the check fails).
    ///
    /// - Parameters:
    ///   - makeStore: Returns a new, empty store each time it is called.
    ///   - timeLimit: How long the check, and then closing the store, may take. A store
    ///     call that never returns fails the check instead of hanging the test run
    ///     (the hung call is left behind, so the process should end soon after).
    /// - Throws: ``ConformanceFailure`` at the first mismatch, also for an error the
    ///   store threw where none was expected, or the time limit; whatever `makeStore` throws.
    public func run(with makeStore: @Sendable () async throws -> any BillingStorage, timeLimit: Duration = .seconds(120)) async throws {
        let store = try await makeStore()
        let body = self.body
        do {
            try await within(timeLimit, "the check") { try await body(store) }
        } catch {
            // The check's error is the one worth reporting; a failing close must not hide it.
            // A store that hung is not closed: that would only hang again.
            if !(error is TimeLimitExceeded) {
                try? await within(timeLimit, "close()") { try await store.close() }
            }
            throw failure(for: error)
        }
        do {
            try await within(timeLimit, "close()") { try await store.close() }
        } catch {
            throw failure(for: error, doing: "close()")
        }
    }

    /// Runs `operation` in a task of its own and waits at most `timeLimit` for it.
    private func within(_ timeLimit: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        let outcome = OneShot<Result<Void, any Error>>()
        let work = Task {
            do {
                try await operation()
                outcome.resolve(.success(()))
            } catch {
                outcome.resolve(.failure(error))
            }
        }
        let timer = Task {
            try await Task.sleep(for: timeLimit)
            outcome.resolve(.failure(TimeLimitExceeded(operation: what, timeLimit: timeLimit)))
        }
        defer { timer.cancel() }
        guard let result = await outcome.wait() else {
            work.cancel()
            throw CancellationError()
        }
        try result.get()
    }

    private func failure(for error: any Error, doing operation: String = "the check") -> ConformanceFailure {
        if let mismatch = error as? Mismatch {
            return ConformanceFailure(check: description, expected: mismatch.expected, actual: mismatch.actual, fileID: mismatch.fileID, line: mismatch.line)
        }
        if let exceeded = error as? TimeLimitExceeded {
            return ConformanceFailure(
                check: description, expected: "\(exceeded.operation) to finish within \(exceeded.timeLimit)", actual: "it was still running",
                fileID: fileID, line: line
            )
        }
        return ConformanceFailure(check: description, expected: "\(operation) not to throw", actual: "it threw \(describe(error))", fileID: fileID, line: line)
    }
}

/// A check, or closing its store, did not finish in time.
private struct TimeLimitExceeded: Error {
    let operation: String
    let timeLimit: Duration
}
