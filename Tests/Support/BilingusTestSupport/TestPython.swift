public import Foundation

/// The test servers' Python (`.test-venv`, made by Scripts/with-test-servers from
/// Tests/Servers/requirements.txt), for running the project's own scripts against the
/// independent libraries installed there.
public enum TestPython {
    /// The package folder, from this file's place in Tests/Support/BilingusTestSupport.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `script` (a path inside the package) with `arguments`; its exit status and stdout.
    /// - Throws: when the venv is missing: run the tests with Scripts/test.
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let python = packageRoot.appendingPathComponent(".test-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else { throw VenvMissing() }
        let (status, output, _) = try Spawn.run(python, [packageRoot.appendingPathComponent(script).path] + arguments)
        return (status, String(decoding: output, as: UTF8.self))
    }

    struct VenvMissing: Error, CustomStringConvertible {
        var description: String { ".test-venv is missing: run the tests with Scripts/test (or Scripts/with-test-servers swift test ...)" }
    }
}
