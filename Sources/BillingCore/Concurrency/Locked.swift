#if BILLING_TSAN
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The project's one lock: a value reached only under a mutual-exclusion lock.
///
/// In normal builds it is the standard library's `Synchronization.Mutex`. In
/// ThreadSanitizer builds (`Scripts/test --sanitize thread` defines `BILLING_TSAN`)
/// it is this pthread mutex instead: on Linux `Mutex` locks with raw futex calls that
/// ThreadSanitizer does not see, so every value it guards would be reported as a race.
package final class Locked<Value: ~Copyable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    package init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        value = initialValue
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    package func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
#else
package import Synchronization

/// The project's one lock: a value reached only under a mutual-exclusion lock.
///
/// In normal builds it is the standard library's `Synchronization.Mutex`. In
/// ThreadSanitizer builds (`Scripts/test --sanitize thread` defines `BILLING_TSAN`)
/// it is a pthread mutex instead: on Linux `Mutex` locks with raw futex calls that
/// ThreadSanitizer does not see, so every value it guards would be reported as a race.
package typealias Locked<Value: ~Copyable> = Mutex<Value>
#endif
