import BillingCore
public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts programs with `posix_spawn`, for the tests' child processes.
///
/// Not Foundation's `Process`: on Linux with Swift 6.3.1 its `run()` can crash the whole test
/// process (a 256-byte over-read in `findMaximumOpenFromProcSelfFD`, fixed upstream by
/// swiftlang/swift-corelibs-foundation#5472), about one run in five of a suite that spawns
/// children; CI lost a run to it. Delete this when the toolchain has the fix.
public enum Spawn {
    /// Where a child's standard stream goes.
    public enum Stream: Sendable {
        /// The test process's own.
        case inherit
        /// `/dev/null`.
        case null
        /// A new pipe, whose other end the parent gets.
        case pipe
    }

    /// A started child.
    public struct Child: Sendable {
        /// Its process id.
        public let pid: pid_t
        /// The write end of its stdin pipe, if piped.
        public let input: FileHandle?
        /// The read end of its stdout pipe, if piped.
        public let output: FileHandle?
        /// The read end of its stderr pipe, if piped.
        public let errors: FileHandle?

        /// Waits for it to exit: its exit code, or the signal that ended it (as `Process.terminationStatus`).
        public func wait() -> Int32 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
        }
    }

    struct SpawnFailed: Error, CustomStringConvertible {
        let executable: String
        let code: Int32
        var description: String { "posix_spawn \(executable) failed: \(String(cString: strerror(code)))" }
    }

    /// Starts `executable` (an absolute path) with `arguments` and this process's environment.
    public static func start(_ executable: String, _ arguments: [String], stdin: Stream = .null, stdout: Stream = .inherit, stderr: Stream = .inherit) throws
        -> Child
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [FileHandle?] = []
        var childEnds: [Int32] = []
        for (fd, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .inherit:
                parentEnds.append(nil)
            case .null:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
                parentEnds.append(nil)
            case .pipe:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw SpawnFailed(executable: executable, code: errno) }
                for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
                let (childEnd, parentEnd) = fd == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                // dup2 onto 0-2 clears close-on-exec there; every other copy closes at exec.
                posix_spawn_file_actions_adddup2(&actions, childEnd, fd)
                childEnds.append(childEnd)
                parentEnds.append(FileHandle(fileDescriptor: parentEnd, closeOnDealloc: true))
            }
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        for end in childEnds { close(end) }
        guard code == 0 else { throw SpawnFailed(executable: executable, code: code) }
        return Child(pid: pid, input: parentEnds[0], output: parentEnds[1], errors: parentEnds[2])
    }

    /// Runs `executable` to its end, feeding it `input`; its status and what it wrote to
    /// stdout (and to stderr, when `stderr` is `.pipe`).
    public static func run(_ executable: String, _ arguments: [String], input: Data? = nil, stderr: Stream = .inherit) throws
        -> (status: Int32, output: Data, errors: Data)
    {
        let child = try start(executable, arguments, stdin: input == nil ? .null : .pipe, stdout: .pipe, stderr: stderr)
        if let input, let handle = child.input {
            handle.write(input)
            try handle.close()
        }
        // stderr is read on its own thread, so a child filling one pipe never blocks on the other.
        let errors = Locked(Data())
        let readErrors = DispatchSemaphore(value: 0)
        if let handle = child.errors {
            Thread.detachNewThread {
                errors.withLock { $0 = handle.readDataToEndOfFile() }
                readErrors.signal()
            }
        } else {
            readErrors.signal()
        }
        let output = child.output?.readDataToEndOfFile() ?? Data()
        readErrors.wait()
        return (child.wait(), output, errors.withLock { $0 })
    }
}
