import BillingCore

extension JSONValue {
    /// A payload that passes payload validation for `type`: the JSON of its sample in
    /// ``SamplePayloads`` for a seed type (an empty object for any other type), with
    /// `extra` members added. Decoding ignores members it does not know.
    static func sample(_ type: BillingEventType, adding extra: [String: JSONValue] = [:]) -> JSONValue {
        guard let payload = SamplePayloads.all.first(where: { Swift.type(of: $0).eventType == type }) else {
            return .object(JSONObject(extra))
        }
        guard case .object(let members) = try? CanonicalJSON.value(from: payload) else {
            preconditionFailure("the sample \(type) payload does not encode")
        }
        return .object(members.merging(extra) { _, added in added })
    }
}
