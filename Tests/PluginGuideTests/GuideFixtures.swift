import Bilingus
import Foundation
import Logging
import Synchronization
import Testing

/// Values and waits the guide's tests share. Nothing here is quoted in the guide.
enum Fixture {
    /// An invoice of user `u-1`.
    static func invoice(_ id: String = "inv-1", total minorUnits: Int64 = 119_00, currency: CurrencyCode = .usd) -> InvoiceSnapshot {
        let total = Money(minorUnits: minorUnits, currency: currency)
        return InvoiceSnapshot(id: id, userId: "u-1", status: "open", subtotal: total, tax: .zero(currency), total: total)
    }

    /// A pending payment of user `u-1`.
    static func payment(_ id: String, _ minorUnits: Int64, currency: CurrencyCode = .usd) -> PaymentSnapshot {
        PaymentSnapshot(id: id, userId: "u-1", amount: Money(minorUnits: minorUnits, currency: currency), status: "pending")
    }

    /// The payer.
    static let user = UserSnapshot(id: "u-1", email: "ada@example.com", country: "DE")

    /// A fresh SQLite path in the temporary directory; `removeDatabase` deletes it and its companions.
    static func temporaryDatabase() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("plugin-guide-\(UUID().uuidString).sqlite").path
    }

    /// Deletes a database made by ``temporaryDatabase()``: the file, its WAL and shared memory, and its key file.
    static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm", ".key"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
}

/// Polls `condition` every 5 ms until it holds or `timeout` (real time) passes; returns whether it held.
func eventually(within timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

/// A log handler that keeps every rendered line, so tests can read what a plugin logged.
struct CapturedLog: LogHandler {
    /// The lines, shared by every copy of the handler.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    init(_ lines: Lines) {
        self.lines = lines
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let error = event.error.map { " error=\($0)" } ?? ""
        lines.append("\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })\(error)")
    }

    /// A logger writing to `lines`.
    static func logger(_ lines: Lines) -> Logger {
        Logger(label: "plugin-guide") { _ in CapturedLog(lines) }
    }
}

@Suite("Guide: the shared test fixtures")
struct GuideFixturesTests {
    @Test("eventually returns as soon as the condition holds, and false once its time is up")
    func eventuallyWaits() async throws {
        let start = ContinuousClock.now
        let never = try await eventually(within: .milliseconds(50)) { false }
        #expect(!never && ContinuousClock.now - start >= .milliseconds(50))
        let calls = Mutex(0)
        let third = try await eventually { calls.withLock { $0 += 1; return $0 == 3 } }
        #expect(third && calls.withLock { $0 } == 3)
    }

    @Test("The captured log keeps each line with its metadata")
    func capturedLog() {
        let lines = CapturedLog.Lines()
        var logger = CapturedLog.logger(lines)
        logger[metadataKey: "billing.plugin"] = "late-fees"
        logger.warning("Fee skipped", metadata: ["invoice": "inv-1"])
        #expect(lines.all == ["warning Fee skipped [\"billing.plugin=late-fees\", \"invoice=inv-1\"]"])
    }
}

