import Foundation

/// Runs a program as a user to whom file permissions apply: `nobody` through
/// `setpriv` when the tests run as root (root ignores permissions), else the
/// current user.
enum OtherUser {
    static let nobody: UInt32 = 65534
    static var isRoot: Bool { getuid() == 0 }

    /// Whether programs can be run that way here.
    static let available: Bool = isRoot ? run("/usr/bin/env", ["true"]).status == 0 : true

    /// Makes `file` (or a directory) the other user's.
    static func own(_ file: String) -> Bool {
        !isRoot || chown(file, nobody, nobody) == 0
    }

    /// Runs `tool` with `arguments` as the other user, to its end.
    static func run(_ tool: String, _ arguments: [String]) -> (status: Int32, output: String, errors: String) {
        let process = Process()
        if isRoot {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", tool] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = arguments
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return (-1, "", "\(error)")
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
