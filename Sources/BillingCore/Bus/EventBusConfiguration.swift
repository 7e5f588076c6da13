extension EventBus {
    /// When `publish` returns relative to the inline handlers.
    public enum DispatchMode: Sendable, Hashable {
        /// `publish` returns after every matching handler has finished or timed out (as the specification's `publish` does).
        case awaitHandlers
        /// `publish` returns right after the commit; the bus's `run()` workers run the
        /// handlers. The hand-off queue is bounded: when it is full, `publish` waits for room.
        /// If `run()` is not running (not started yet, or shut down), `publish`
        /// runs the handlers itself, so no dispatch is ever skipped.
        case background
    }

    /// How a bus behaves. Every property has a default suitable for production.
    public struct Configuration: Sendable {
        /// What one event may carry.
        public var limits: EventLimits
        /// The event types whose payloads are checked against their typed payload on
        /// publish (default: the 22 built-in types). Register a host's own types here.
        public var payloadTypes: EventPayloadTypes
        /// How long one inline handler may run before it is abandoned and counted as
        /// timed out (default 5 s). `nil` disables the deadline.
        public var handlerTimeout: Duration?
        /// When `publish` returns relative to the inline handlers (default ``DispatchMode/awaitHandlers``).
        public var dispatchMode: DispatchMode
        /// Events the background queue holds before publishers wait (default 4,096).
        public var backgroundQueueCapacity: Int
        /// Background workers, each dispatching one batch at a time (default 4).
        public var backgroundWorkers: Int
        /// Default buffer of a live event stream, in events (default 1,024).
        public var liveStreamBufferSize: Int

        /// Creates a configuration; every parameter has the documented default.
        public init(
            limits: EventLimits = EventLimits(),
            payloadTypes: EventPayloadTypes = .builtIn,
            handlerTimeout: Duration? = .seconds(5),
            dispatchMode: DispatchMode = .awaitHandlers,
            backgroundQueueCapacity: Int = 4096,
            backgroundWorkers: Int = 4,
            liveStreamBufferSize: Int = 1024
        ) {
            self.limits = limits
            self.payloadTypes = payloadTypes
            self.handlerTimeout = handlerTimeout
            self.dispatchMode = dispatchMode
            self.backgroundQueueCapacity = backgroundQueueCapacity
            self.backgroundWorkers = backgroundWorkers
            self.liveStreamBufferSize = liveStreamBufferSize
        }
    }
}
