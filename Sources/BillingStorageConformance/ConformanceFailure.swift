/// A store did not behave as the storage protocols say: what one check expected,
/// what happened instead, and where in the kit the expectation is written.
public struct ConformanceFailure: Error, CustomStringConvertible {
    /// The check that failed, as `suite: name`.
    public let check: String
    /// What the protocol requires at this point.
    public let expected: String
    /// What the store did.
    public let actual: String
    /// The kit's source file of the expectation, such as `BillingStorageConformance/LeaseChecks.swift`.
    public let fileID: String
    /// The line of the expectation in ``fileID``.
    public let line: Int

    /// Creates a failure.
    public init(check: String, expected: String, actual: String, fileID: String, line: Int) {
        self.check = check
        self.expected = expected
        self.actual = actual
        self.fileID = fileID
        self.line = line
    }

    public var description: String {
        "\(check) — expected \(expected), but \(actual) (\(fileID):\(line))"
    }
}
