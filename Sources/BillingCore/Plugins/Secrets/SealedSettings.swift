/// Plugin settings as they are persisted: plain values as JSON, secret values sealed
/// by a ``SecretSealer``, so no store ever holds a secret in clear.
///
/// The form is a JSON object with one entry per setting: `{"value": <json>}` for a
/// plain value and `{"sealed": "<sealed text>"}` for a secret. Versions before 0.4
/// wrote secrets as `{"value": "<clear>", "secret": true}`; the plugin manager seals
/// such entries the first time it opens the database.
public struct SealedSettings: Sendable, Hashable {
    /// The persisted form.
    public let json: JSONValue

    /// Wraps a persisted form (storage backends do this when reading).
    public init(json: JSONValue) {
        self.json = json
    }

    /// No settings.
    public static let empty = SealedSettings(json: [:])

    /// Whether some secret is stored in clear, or sealed under a key other than the current one.
    package func needsResealing(with sealer: any SecretSealer) -> Bool {
        guard case .object(let entries) = json else { return false }
        return entries.values.contains { entry in
            if let sealed = entry["sealed"]?.stringValue { return sealer.needsResealing(sealed) }
            return entry["secret"]?.boolValue == true
        }
    }
}

extension PluginSettings {
    /// The persisted form, every secret value sealed and bound to `scope` and its key
    /// (`plugin/<name>` or `plugin/<name>/tenant/<id>`), so a sealed value moved to
    /// another plugin, tenant or key does not open.
    package func sealed(with sealer: any SecretSealer, scope: String) throws -> SealedSettings {
        var entries: [String: JSONValue] = [:]
        for (key, setting) in values {
            if setting.isSecret {
                entries[key] = ["sealed": .string(try sealer.seal(CanonicalJSON.string(setting.json), context: scope + "/" + key))]
            } else {
                entries[key] = ["value": setting.json]
            }
        }
        return SealedSettings(json: .object(JSONObject(entries)))
    }

    /// Reads a persisted form, opening its sealed values.
    /// - Throws: the sealer's error for a value it cannot open (unknown key, tampered);
    ///   `storage.corrupt` for an entry of the wrong shape.
    package init(opening sealed: SealedSettings, with sealer: any SecretSealer, scope: String) throws {
        guard case .object(let entries) = sealed.json else {
            throw BillingError(.storageCorrupt, "Stored plugin settings are not an object", field: "config")
        }
        var values: [String: Value] = [:]
        for (key, entry) in entries {
            if let text = entry["sealed"]?.stringValue {
                var value = Value(try CanonicalJSON.decode(try sealer.open(text, context: scope + "/" + key)))
                value.isSecret = true
                values[key] = value
            } else if let json = entry["value"] {
                var value = Value(json)
                value.isSecret = entry["secret"]?.boolValue ?? false  // written in clear by an older version
                values[key] = value
            } else {
                throw BillingError(.storageCorrupt, "Stored plugin setting '\(key)' has no value", field: key)
            }
        }
        self.init(values)
    }

    /// These settings with `overrides` on top: a key in both takes the override's value.
    public func merging(_ overrides: PluginSettings) -> PluginSettings {
        PluginSettings(values.merging(overrides.values) { _, override in override })
    }
}
