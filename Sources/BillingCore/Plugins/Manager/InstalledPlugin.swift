/// A plugin's standing in the manager.
public struct PluginStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Loaded and taking calls.
    public static let active = PluginStatus(rawValue: "active")
    /// Its `initialize` failed; it takes no calls.
    public static let failed = PluginStatus(rawValue: "failed")
    /// Too many consecutive failures: calls are refused until a probe succeeds.
    public static let quarantined = PluginStatus(rawValue: "quarantined")
    /// Being unloaded: in-flight calls finish, new ones are refused.
    public static let draining = PluginStatus(rawValue: "draining")
    /// Persisted as installed but not loaded (inactive, or no factory registered).
    public static let inactive = PluginStatus(rawValue: "inactive")
}

/// Call counters of one plugin.
public struct PluginCounters: Sendable, Hashable, Codable {
    /// Calls and deliveries that returned.
    public var succeeded = 0
    /// Calls and deliveries that threw or returned a failed result.
    public var failed = 0
    /// Calls and deliveries that overran their timeout.
    public var timedOut = 0
    /// Calls refused while quarantined or draining.
    public var rejected = 0
    /// Failures since the last success.
    public var consecutiveFailures = 0

    /// Zero counters.
    public init() {}
}

/// One entry of `PluginManager.installedPlugins()`.
public struct InstalledPlugin: Sendable, Hashable {
    /// The plugin's name.
    public let name: String
    /// Its version.
    public let version: String
    /// What it does.
    public let description: String
    /// Who wrote it.
    public let author: String
    /// Where it stands.
    public let status: PluginStatus
    /// The last health check, if one ran.
    public let health: PluginHealth?
    /// Call counters since it was loaded.
    public let counters: PluginCounters
    /// The last failure (initialize, a call, a health check), secrets redacted.
    public let lastError: String?
    /// Its default settings with secrets replaced by `***`.
    public let settings: JSONValue
    /// The tenants that have settings of their own (their values are not listed).
    public let tenantsWithSettings: [String]
    /// The event patterns its durable subscription receives.
    public let eventPatterns: [EventPattern]
}

/// The outcome of a pipeline run (fraud → tax → payment, say).
public struct PipelineResult: Sendable, Hashable {
    /// The results of the stages that ran, in order.
    public let stages: [(plugin: String, result: PluginResult)]
    /// The stage that stopped the pipeline (its result had `shouldContinue == false`), if one did.
    public let stoppedAt: String?

    /// Whether every stage ran and succeeded.
    public var completed: Bool {
        stoppedAt == nil && stages.allSatisfy { $0.result.success }
    }

    public static func == (lhs: PipelineResult, rhs: PipelineResult) -> Bool {
        lhs.stoppedAt == rhs.stoppedAt && lhs.stages.map(\.plugin) == rhs.stages.map(\.plugin)
            && lhs.stages.map(\.result) == rhs.stages.map(\.result)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(stoppedAt)
        hasher.combine(stages.map(\.plugin))
    }
}
