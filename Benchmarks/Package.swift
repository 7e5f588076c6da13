// swift-tools-version: 6.1
import PackageDescription

// Benchmarks for Bilingus, each against a baseline in the same process, with ratios:
// StoreBenchmarks (EventBus/SQLiteEventStore against the raw SQLite C API and GRDB) and
// WebhookBenchmarks (webhook delivery against a plain AsyncHTTPClient loop).
//
// A separate package on purpose: the root package's Scripts/test never builds it.
// Run them with `Benchmarks/run` and `Benchmarks/run-webhooks` (release builds); see README.md.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "StoreBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Bilingus", path: ".."),
        // Scenarios 4 and 5 run the SubscriptionDispatcher in a ServiceGroup, as a host does.
        // Same URLs and versions as the root Package.swift.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // The peer a Swift user would pick for SQLite: the same rows and schema through GRDB.
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        // WebhookBenchmarks: the plain loop's client and the local receiver.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // The system libsqlite3 for the raw baseline. A module name of its own, so it
        // never collides with the root package's internal `CBilingusSQLite`.
        .systemLibrary(
            name: "CSQLiteBaseline",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // The report's formatting and progress lines, shared by both executables.
        .target(name: "BenchmarkSupport", swiftSettings: strictSettings),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "BillingCore", package: "Bilingus"),
                .product(name: "BillingStore", package: "Bilingus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                "CSQLiteBaseline",
            ],
            swiftSettings: strictSettings
        ),
        // Webhook delivery through the engine against a plain AsyncHTTPClient loop (Benchmarks/run-webhooks).
        .executableTarget(
            name: "WebhookBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Bilingus", package: "Bilingus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
