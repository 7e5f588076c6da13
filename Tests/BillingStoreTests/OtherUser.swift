import BilingusTestSupport
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
        let (executable, argv) = isRoot
            ? ("/usr/bin/setpriv", ["--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", tool] + arguments) : (tool, arguments)
        do {
            let result = try Spawn.run(executable, argv, stderr: .pipe)
            return (result.status, String(decoding: result.output, as: UTF8.self), String(decoding: result.errors, as: UTF8.self))
        } catch {
            return (-1, "", "\(error)")
        }
    }
}
