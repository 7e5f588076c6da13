import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// The baseline: what a host would write without Bilingus — an AsyncHTTPClient POST loop,
/// `concurrency` tasks wide (the engine's global request limit), sending the requests the
/// engine sent (captured by the receiver: the same paths, headers and bodies), with no
/// store, no signing and no retries.
struct PlainLoopSide {
    var concurrency: Int

    /// Sends every request once; the time it took.
    func run(_ requests: [BenchmarkReceiver.Request]) async throws -> Duration {
        // The engine's client settings: no redirects, no decompression.
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(15), read: .seconds(15)))
        configuration.decompression = .disabled
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let next = NextIndex()
        let started = ContinuousClock.now
        do {
            try await withThrowingDiscardingTaskGroup { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        while true {
                            let index = next.take()
                            guard index < requests.count else { return }
                            try await send(requests[index], with: client)
                        }
                    }
                }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        let elapsed = ContinuousClock.now - started
        try await client.shutdown()
        return elapsed
    }

    private func send(_ captured: BenchmarkReceiver.Request, with client: HTTPClient) async throws {
        // To the host the engine sent it to (its `Host` header names the listener).
        let host = captured.headers.first { $0.0.lowercased() == "host" }?.1 ?? "127.0.0.1"
        var request = HTTPClientRequest(url: "http://\(host)\(captured.path)")
        request.method = .POST
        for (name, value) in captured.headers where !["host", "content-length", "connection"].contains(name.lowercased()) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: captured.body))
        let response = try await client.execute(request, timeout: .seconds(15))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code) else { throw BenchmarkFailure("the receiver answered \(response.status.code)") }
    }
}

/// The next request to send, shared by the loop's tasks.
private final class NextIndex: Sendable {
    private let value = Atomic<Int>(0)

    func take() -> Int {
        value.add(1, ordering: .relaxed).oldValue
    }
}
