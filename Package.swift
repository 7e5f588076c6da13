// swift-tools-version: 6.1
import PackageDescription

// Layers point downward only:
//   Bilingus (BillingEngine facade) → BillingPlugins → BillingStore → BillingCore
// BillingTesting is the kit for hosts and plugin authors; BillingStorageConformance
// is the kit for storage backends (any package runs it against its own store).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Bilingus",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "BillingCore", targets: ["BillingCore"]),
        .library(name: "BillingStore", targets: ["BillingStore"]),
        .library(name: "BillingPlugins", targets: ["BillingPlugins"]),
        .library(name: "BillingTesting", targets: ["BillingTesting"]),
        .library(name: "BillingStorageConformance", targets: ["BillingStorageConformance"]),
        .library(name: "Bilingus", targets: ["Bilingus"]),
        .executable(name: "BillingDemo", targets: ["BillingDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        // AES-GCM for sealing plugin secrets at rest; BillingStore only, never BillingCore.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // HTTPS to payment providers (Stripe) from BillingPlugins.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Email templates (logic-less, HTML-escaping) for BillingPlugins' notifications.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // TLS for SMTP (STARTTLS and implicit TLS) from BillingPlugins.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
    ],
    targets: [
        .target(
            name: "BillingCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            swiftSettings: strictSettings
        ),
        // The system libsqlite3; internal to BillingStore, not a product.
        .systemLibrary(
            name: "CBilingusSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "BillingStore",
            dependencies: [
                "BillingCore",
                "CBilingusSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BillingPlugins",
            dependencies: [
                "BillingCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                // HMAC-SHA256 for webhook signatures.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BillingTesting",
            dependencies: [
                "BillingCore",
                "BillingStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        // The semantics of BillingCore's storage protocols as named checks; BillingCore
        // only, and no test framework, so any backend's package can run them.
        .target(
            name: "BillingStorageConformance",
            dependencies: ["BillingCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Bilingus",
            dependencies: [
                "BillingCore",
                "BillingStore",
                "BillingPlugins",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "BillingDemo",
            dependencies: ["Bilingus"],
            path: "Examples/BillingDemo",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BillingCoreTests",
            dependencies: [
                "BillingCore",
                "BillingStore",
                "BillingTesting",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BillingStoreTests",
            // The helper executable is the child process that durability tests kill.
            dependencies: ["BillingCore", "BillingStore", "BillingStorageConformance", "BillingTesting", "BilingusTestSupport", "BilingusTestHelper"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BillingPluginsTests",
            // The helper executable is the child process the Stripe and email crash tests kill; they read its SQLite file.
            dependencies: [
                "BillingPlugins", "BillingStore", "BillingTesting", "BilingusTestSupport", "BilingusTestHelper",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BilingusTests",
            // The helper executable is the child process the webhook crash test kills.
            dependencies: ["Bilingus", "BillingTesting", "BilingusTestSupport", "BilingusTestHelper"],
            swiftSettings: strictSettings
        ),
        // Every Swift sample in Documentation/PluginGuide.md lives here, so CI compiles
        // and runs it; a test checks the guide quotes these files verbatim.
        .testTarget(
            name: "PluginGuideTests",
            dependencies: ["Bilingus", "BillingTesting", "BilingusTestSupport"],
            swiftSettings: strictSettings
        ),
        // The plugin-authoring example: a plugin written the way a third party would,
        // against BillingCore's public API (no @testable imports, no package access),
        // its own tests with BillingTesting, and a host that runs it.
        .target(
            name: "LoyaltyPoints",
            dependencies: ["BillingCore"],
            path: "Examples/LoyaltyPoints/Sources/LoyaltyPoints",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "LoyaltyPointsExample",
            dependencies: ["Bilingus", "LoyaltyPoints", .product(name: "Logging", package: "swift-log")],
            path: "Examples/LoyaltyPoints/Sources/LoyaltyPointsExample",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LoyaltyPointsTests",
            dependencies: ["LoyaltyPoints", "BillingCore", "BillingTesting"],
            path: "Examples/LoyaltyPoints/Tests/LoyaltyPointsTests",
            swiftSettings: strictSettings
        ),
        // What several test targets share: the child-process runner and the clients of the
        // test servers that Scripts/with-test-servers starts (Tests/Servers).
        .target(
            name: "BilingusTestSupport",
            dependencies: ["BillingCore", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "Tests/Support/BilingusTestSupport",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "BilingusTestHelper",
            dependencies: [
                "BillingCore",
                "BillingStore",
                "Bilingus",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/Helpers/BilingusTestHelper",
            swiftSettings: strictSettings
        ),
    ]
)
