// swift-tools-version: 6.1
// The manifest of a third-party plugin package (Documentation/PluginGuide.md).
import PackageDescription

let package = Package(
    name: "AcmePay",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AcmePay", targets: ["AcmePay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/bilingus/bilingus.git", from: "0.1.0"),
    ],
    targets: [
        .target(
            name: "AcmePay",
            dependencies: [.product(name: "BillingCore", package: "bilingus")],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
        .testTarget(
            name: "AcmePayTests",
            dependencies: [
                "AcmePay",
                .product(name: "BillingCore", package: "bilingus"),
                .product(name: "BillingTesting", package: "bilingus"),
            ]
        ),
    ]
)
