import Tracing

/// Trace context travels with an event in its metadata, so a delivery (in this
/// process, another one, or after a restart) can link its span to the publish span.
///
/// Which keys appear is the tracer's choice; a W3C tracer writes `traceparent` and
/// `tracestate`. With no tracer bootstrapped nothing is written.
enum EventTraceContext {
    struct MetadataInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: JSONValue]) {
            carrier[key] = .string(value)
        }
    }

    struct MetadataExtractor: Extractor {
        func extract(key: String, from carrier: [String: JSONValue]) -> String? {
            carrier[key]?.stringValue
        }
    }

    /// The trace headers for `context`, as metadata entries (empty without a tracer).
    static func metadata(for context: ServiceContext, tracer: any Tracer) -> [String: JSONValue] {
        var carrier: [String: JSONValue] = [:]
        tracer.inject(context, into: &carrier, using: MetadataInjector())
        return carrier
    }

    /// The publish-side context carried by `event`.
    static func context(of event: BillingEvent, tracer: any Tracer) -> ServiceContext {
        var context = ServiceContext.topLevel
        tracer.extract(event.metadata, into: &context, using: MetadataExtractor())
        return context
    }
}
