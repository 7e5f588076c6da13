// swift-tools-version: 6.1
// The manifest of a third-party plugin package (Documentation/PluginGuide.md).
import PackageDescription

// A product's `package:` is the identity of the package that has it: the last component of
// its URL or path, without `.git`, compared ignoring case; never the `name:` in its manifest.
let bilingus = "bilingus"

let package = Package(
    name: "AcmePay",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AcmePay", targets: ["AcmePay"]),
    ],
    dependencies: [
        .package(url: "https://github.com/bilingus/bilingus.git", from: "0.1.0"),
        // Or a local checkout. In a folder named Bilingus its identity is still "bilingus";
        // in one named bilingus-main (an unpacked download) it is "bilingus-main".
        // .package(path: "../Bilingus"),
    ],
    targets: [
        .target(
            name: "AcmePay",
            dependencies: [.product(name: "BillingCore", package: bilingus)],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
        .testTarget(
            name: "AcmePayTests",
            dependencies: [
                "AcmePay",
                .product(name: "BillingCore", package: bilingus),
                .product(name: "BillingTesting", package: bilingus),
            ]
        ),
    ]
)
