import BilingusTestSupport
import Foundation
import Testing

/// A directory that can be made read-only the way read-only media are: a tmpfs
/// remounted read-only (needs CAP_SYS_ADMIN), else the immutable attribute on the
/// directory and its files (root on ext4 and similar), else, for a user other than
/// root, permissions (root ignores them).
struct ReadOnlyMedia {
    enum Method: String {
        case readOnlyMount = "a tmpfs remounted read-only"
        case immutableAttribute = "chattr +i"
        case permissions = "chmod a-w"
    }

    let directory: String
    let method: Method

    /// What this machine allows, measured once by trying it.
    static let availableMethod: Method? = {
        guard let media = try? ReadOnlyMedia() else { return nil }
        defer { media.remove() }
        try? Data("probe".utf8).write(to: URL(fileURLWithPath: media.directory + "/probe"))
        guard media.seal() else { return nil }
        let writable = FileManager.default.createFile(atPath: media.directory + "/second", contents: Data())
        return writable ? nil : media.method
    }()

    /// Why tests needing read-only media are skipped on this machine.
    static let unavailableReason: Comment = "no way to make a directory read-only here: not root with CAP_SYS_ADMIN (mount) or chattr support, and root ignores permissions"

    /// A new, writable directory with the strongest method available.
    init() throws {
        let directory = TemporaryFiles.directory.appendingPathComponent("media-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        if Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m", "bilingus-test", directory]) {
            method = .readOnlyMount
        } else if getuid() == 0 {
            method = .immutableAttribute
        } else {
            method = .permissions
        }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Makes the directory and every file in it read-only; `false` if that failed.
    @discardableResult
    func seal() -> Bool {
        switch method {
        case .readOnlyMount:
            return Self.run("/bin/mount", ["-o", "remount,ro", directory])
        case .immutableAttribute:
            return Self.run("/usr/bin/chattr", ["-R", "+i", directory])
        case .permissions:
            return Self.run("/bin/chmod", ["-R", "a-w", directory])
        }
    }

    /// Whether ``sealFile(_:)`` works here: root with chattr support (a file with
    /// the immutable attribute cannot be written even by its owner or root).
    static let canSealFile: Bool = {
        guard getuid() == 0 else { return false }
        let file = TemporaryFiles.newPath("seal-probe")
        guard FileManager.default.createFile(atPath: file, contents: Data()) else { return false }
        defer {
            unsealFile(file)
            try? FileManager.default.removeItem(atPath: file)
        }
        return sealFile(file) && access(file, W_OK) != 0
    }()

    /// Makes `file` alone unwritable, past what the store can repair (`chattr +i`).
    static func sealFile(_ file: String) -> Bool {
        run("/usr/bin/chattr", ["+i", file])
    }

    /// Undoes everything and removes the directory.
    func remove() {
        switch method {
        case .readOnlyMount: _ = Self.run("/bin/umount", [directory])
        case .immutableAttribute: _ = Self.run("/usr/bin/chattr", ["-R", "-i", directory])
        case .permissions: _ = Self.run("/bin/chmod", ["-R", "u+w", directory])
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Removes the immutable attribute from one file (after ``sealFile(_:)``).
    static func unsealFile(_ file: String) {
        run("/usr/bin/chattr", ["-i", file])
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return false }
        do {
            let child = try Spawn.start(tool, arguments, stdout: .null, stderr: .null)
            return child.wait() == 0
        } catch {
            return false
        }
    }
}
