import Bilingus
import Foundation

/// The gate a crash test keeps beside the child's database (`<database>.gate`, written by
/// BilingusTestSupport's `ChildGate`): a number n lets items below n be published; without
/// the file, every item may be. It keeps a child from finishing its burst before the test's
/// kill.
///
/// A gated child never times out (the test kills it, however loaded the machine is), but it
/// stops once the test that started it is gone. Without a gate (the drain) it gives up after
/// ``drainLimit``.
struct BurstGate {
    static let drainLimit: Duration = .seconds(300)

    let path: String
    private let parent = getppid()
    private let started = ContinuousClock.now

    init(database: String) {
        path = database + ".gate"
    }

    /// Whether item `index` may be published now.
    func allows(_ index: Int) -> Bool {
        guard let limit else { return true }
        return index < limit
    }

    /// Throws when waiting longer is pointless: the parent (the test) is gone, or no gate
    /// holds the child back and ``drainLimit`` has passed.
    func checkWorthWaiting(for what: String) throws {
        guard getppid() == parent else { throw BillingError(.shutDown, "the test that started this helper is gone") }
        guard limit != nil || ContinuousClock.now - started < Self.drainLimit else {
            throw BillingError(.timeout, "\(what) within \(Self.drainLimit)")
        }
    }

    /// Waits until item `index` may be published.
    func wait(for index: Int) async throws {
        while !allows(index) {
            try checkWorthWaiting(for: "the gate did not open")
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private var limit: Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
