import BillingCore

/// An expectation of one check that did not hold; ``StorageConformanceCheck/run(with:)``
/// turns it into a ``ConformanceFailure`` naming the check.
struct Mismatch: Error {
    let expected: String
    let actual: String
    let fileID: String
    let line: Int
}

/// Fails unless `condition` holds; `expectation` says what should be true.
func expect(_ condition: Bool, _ expectation: @autoclosure () -> String, fileID: String = #fileID, line: Int = #line) throws {
    guard !condition else { return }
    throw Mismatch(expected: expectation(), actual: "it does not hold", fileID: fileID, line: line)
}

/// Fails unless `actual == expected`; `what` names the value compared.
func expectEqual<Value: Equatable>(
    _ actual: Value, _ expected: Value, _ what: @autoclosure () -> String, fileID: String = #fileID, line: Int = #line
) throws {
    guard actual != expected else { return }
    throw Mismatch(expected: "\(what()) to be \(describe(expected))", actual: "it is \(describe(actual))", fileID: fileID, line: line)
}

/// The value, or a failure saying it was missing.
func unwrap<Value>(_ value: Value?, _ what: @autoclosure () -> String, fileID: String = #fileID, line: Int = #line) throws -> Value {
    guard let value else {
        throw Mismatch(expected: "\(what()) to exist", actual: "it is nil", fileID: fileID, line: line)
    }
    return value
}

/// Fails unless `body` throws a ``BillingError`` with `code`; `what` names the operation.
/// Returns the error, for checks of its other fields.
@discardableResult
func expectThrows<Value>(
    code: BillingError.Code, _ what: @autoclosure () -> String, fileID: String = #fileID, line: Int = #line,
    _ body: () async throws -> Value
) async throws -> BillingError {
    let outcome: Result<Value, any Error>
    do {
        outcome = .success(try await body())
    } catch {
        outcome = .failure(error)
    }
    switch outcome {
    case .failure(let error as BillingError) where error.code == code:
        return error
    case .failure(let error):
        throw Mismatch(expected: "\(what()) to throw \(code)", actual: "it threw \(error)", fileID: fileID, line: line)
    case .success(let value):
        throw Mismatch(expected: "\(what()) to throw \(code)", actual: "it returned \(describe(value))", fileID: fileID, line: line)
    }
}
