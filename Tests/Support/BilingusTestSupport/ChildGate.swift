import Foundation

/// The test's side of a helper child's burst gate (`<database>.gate`, read by the helper's
/// `BurstGate`): it lets the child publish items below a limit, so a kill that comes late
/// still finds the child with work left.
public struct ChildGate: Sendable {
    /// The gate file.
    public let path: String

    /// The gate of the child working on `database`.
    public init(database: String) {
        path = database + ".gate"
    }

    /// Lets the child publish items below `limit`; written whole, by rename, so the child never reads half of it.
    public func open(upTo limit: Int) throws {
        try Data("\(limit)\n".utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Removes the gate: the child may publish everything.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
