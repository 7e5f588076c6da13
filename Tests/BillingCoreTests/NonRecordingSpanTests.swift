@testable import BillingCore
import BillingStore
import Synchronization
import Testing
import Tracing

/// A tracer whose spans do not record (as the no-op tracer's), counting what is
/// written to them anyway.
private final class NonRecordingTracer: Tracer, Sendable {
    let attributeWrites = Atomic<Int>(0)

    final class Span: Tracing.Span, Sendable {
        let context: ServiceContext
        let tracer: NonRecordingTracer
        init(context: ServiceContext, tracer: NonRecordingTracer) {
            self.context = context
            self.tracer = tracer
        }
        var isRecording: Bool { false }
        var operationName: String {
            get { "" }
            set {}
        }
        var attributes: SpanAttributes {
            get { [:] }
            set { tracer.attributeWrites.add(1, ordering: .relaxed) }
        }
        func setStatus(_ status: SpanStatus) {}
        func addEvent(_ event: SpanEvent) {}
        func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {}
        func addLink(_ link: SpanLink) {}
        func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {}
    }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> Span {
        Span(context: context(), tracer: self)
    }

    func forceFlush() {}
    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {}
    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {}
}

@Suite("Publishing under a non-recording tracer")
struct NonRecordingSpanTests {
    @Test("A publish formats no span attributes when the span does not record them")
    func noAttributeWork() async throws {
        let tracer = NonRecordingTracer()
        let bus = EventBus(store: InMemoryEventStore(), tracer: tracer)
        try await bus.publish(BillingEvent(type: try BillingEventType("ledger.noted"), payload: ["n": 1]))
        #expect(tracer.attributeWrites.load(ordering: .relaxed) == 0)
    }
}
