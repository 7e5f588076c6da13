import Dispatch
import BillingCore
public import Foundation
import Synchronization

/// The BilingusTestHelper executable (Tests/Helpers) run as a child process, with its stdout
/// collected line by line on a background thread.
public final class ChildProcess: Sendable {
    private struct State {
        var lines: [String] = []
        var partial = Data()
        var finished = false
        /// The exit status, once the child exited.
        var exitStatus: Int32?
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var lineWaiters: [(matches: @Sendable (String) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
        /// When to send SIGKILL, checked on the reader thread after every chunk (``kill(when:)``).
        var killCondition: (@Sendable ([String]) -> Bool)?
    }

    private let child: Spawn.Child
    private let state = Locked(State())
    private let exited = DispatchSemaphore(value: 0)

    /// The helper binary, built next to the test bundle because BillingStoreTests depends on it.
    public static var helperURL: URL {
        let nextToTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("BilingusTestHelper")
        if FileManager.default.isExecutableFile(atPath: nextToTests.path) { return nextToTests }
        // `swift test` may launch the bundle through a runner; fall back to the package's build folder.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/BilingusTestHelper")
    }

    public init(_ arguments: [String]) throws {
        child = try Spawn.start(Self.helperURL.path, arguments, stdout: .pipe)
        guard let reader = child.output else { throw CancellationError() }
        // Blocking reads belong on their own thread, not on Swift's cooperative pool.
        Thread.detachNewThread { [self] in
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                append(chunk)
            }
            let exitStatus = child.wait()
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.finished = true
                state.exitStatus = exitStatus
                defer {
                    state.waiters.removeAll()
                    state.lineWaiters.removeAll()
                }
                return state.waiters.map(\.continuation) + state.lineWaiters.map(\.continuation)
            }
            for waiter in waiters { waiter.resume() }
            exited.signal()
        }
    }

    private func append(_ chunk: Data) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let firstNew = state.lines.count
            state.partial.append(chunk)
            while let newline = state.partial.firstIndex(of: 0x0A) {
                state.lines.append(String(decoding: state.partial[state.partial.startIndex..<newline], as: UTF8.self))
                state.partial.removeSubrange(state.partial.startIndex...newline)
            }
            let count = state.lines.count
            var ready = state.waiters.filter { $0.count <= count }.map(\.continuation)
            state.waiters.removeAll { $0.count <= count }
            // Waiters have seen the earlier lines already: look at this chunk's only.
            let fresh = state.lines[firstNew...]
            let matched = state.lineWaiters.filter { waiter in fresh.contains(where: waiter.matches) }
            state.lineWaiters.removeAll { waiter in fresh.contains(where: waiter.matches) }
            ready += matched.map(\.continuation)
            if let condition = state.killCondition, condition(state.lines) {
                state.killCondition = nil
                kill()
            }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    /// Complete lines printed so far.
    public var lines: [String] {
        state.withLock { $0.lines }
    }

    /// Waits until the child printed `count` lines or exited.
    public func waitForLines(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.lines.count >= count || state.finished { return true }
                state.waiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Waits until the child printed a line matching `matches`, or exited.
    public func waitForLine(where matches: @escaping @Sendable (String) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.finished || state.lines.contains(where: matches) { return true }
                state.lineWaiters.append((matches, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// The process id.
    public var processIdentifier: Int32 { child.pid }

    /// Sends SIGKILL: no cleanup, no flush, like a crash or the OOM killer.
    public func kill() {
        _ = Foundation.kill(child.pid, SIGKILL)
    }

    /// Sends SIGKILL as soon as the lines printed so far satisfy `condition` (at once if they
    /// already do). The reader thread checks it as each chunk arrives, so the kill lands on
    /// time however long the test's own tasks wait for a cooperative thread.
    public func kill(when condition: @escaping @Sendable ([String]) -> Bool) {
        let now = state.withLock { state -> Bool in
            if condition(state.lines) { return true }
            state.killCondition = condition
            return false
        }
        if now { kill() }
    }

    /// Waits for the process to exit and returns its termination status.
    public func waitForExit() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            DispatchQueue.global().async {
                self.exited.wait()
                self.exited.signal()
                continuation.resume(returning: self.state.withLock { $0.exitStatus } ?? -1)
            }
        }
    }
}
