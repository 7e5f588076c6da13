public import Foundation

/// Fresh paths under one directory per test process, removed when the process exits.
public enum TemporaryFiles {
    public static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bilingus-tests-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit {
            try? FileManager.default.removeItem(at: TemporaryFiles.directory)
        }
        return url
    }()

    /// A new path `<name>-<uuid><suffix>` (a database by default); nothing is created there.
    public static func newPath(_ name: String = "events", suffix: String = ".sqlite") -> String {
        directory.appendingPathComponent("\(name)-\(UUID().uuidString)\(suffix)").path
    }
}
