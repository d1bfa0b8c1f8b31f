// swift-tools-version:6.0
// Tidegate: a Kubernetes admission webhook for image trust and least privilege.
//
// Layers, each testable alone:
//   TidegateJSON        byte-level JSON reader/writer, JSON Pointer, JSON Patch
//   TidegatePolicy      the pure policy core: decoded object + policy -> findings and fixes
//   TidegateAdmission   AdmissionReview codec and decision engine (request bytes -> response bytes)
//   TidegateConfig      policy files and manifest streams (YAML/JSON) with positioned errors
//   TidegateHTTP        protocol-neutral request/response types and the router seam
//   TidegateHTTP1       HTTP/1.1 codec (pure state machine, fuzzed)
//   TidegateHTTP2       HTTP/2 codec over libnghttp2 (pure bytes in/out)
//   TidegateTransport   epoll event loops, sockets, OpenSSL TLS
//   TidegateServer      the webhook server: endpoints, metrics, reloads, lifecycle
//   TidegateCLI         the `tidegate` commands; the executable is a one-line shell around it
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "tidegate",
    products: [
        .executable(name: "tidegate", targets: ["tidegate"]),
        // Libraries for the sibling packages under Benchmarks/ and Fuzz/.
        .library(name: "TidegateJSON", targets: ["TidegateJSON"]),
        .library(name: "TidegatePolicy", targets: ["TidegatePolicy"]),
        .library(name: "TidegateAdmission", targets: ["TidegateAdmission"]),
        .library(name: "TidegateHTTP1", targets: ["TidegateHTTP1"]),
        .library(name: "TidegateHTTP2", targets: ["TidegateHTTP2"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CNGHTTP2", path: "Sources/CNGHTTP2", pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]),
        .target(name: "CTidegateSystem", path: "Sources/CTidegateSystem"),
        .target(name: "CTidegateJSONScan", path: "Sources/CTidegateJSONScan"),

        // MARK: Policy
        .target(name: "TidegateJSON", dependencies: ["CTidegateJSONScan"], swiftSettings: strict),
        .target(name: "TidegatePolicy", dependencies: ["TidegateJSON"], swiftSettings: strict),
        .target(name: "TidegateAdmission", dependencies: ["TidegateJSON", "TidegatePolicy"], swiftSettings: strict),
        .target(
            name: "TidegateConfig",
            dependencies: ["TidegateJSON", "TidegatePolicy", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),

        // MARK: Server
        .target(name: "TidegateHTTP", dependencies: ["TidegateJSON", "CTidegateSystem"], swiftSettings: strict),
        .target(name: "TidegateHTTP1", dependencies: ["TidegateHTTP", "TidegateJSON"], swiftSettings: strict),
        .target(name: "TidegateHTTP2", dependencies: ["TidegateHTTP", "CNGHTTP2", "CTidegateSystem"], swiftSettings: strict),
        .target(
            name: "TidegateTransport",
            dependencies: ["CTidegateSystem", "COpenSSL", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "TidegateServer",
            dependencies: [
                "TidegateHTTP", "TidegateHTTP1", "TidegateHTTP2", "TidegateTransport", "TidegateAdmission", "CTidegateSystem",
                "TidegateConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),

        // MARK: Command line
        .target(
            name: "TidegateCLI",
            dependencies: [
                "TidegateJSON", "TidegatePolicy", "TidegateAdmission", "TidegateConfig", "TidegateServer",
                "TidegateHTTP", "TidegateTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "tidegate", dependencies: ["TidegateCLI"], swiftSettings: strict),

        // MARK: Tests
        .target(name: "TidegateTestSupport", path: "Tests/TidegateTestSupport"),
        .testTarget(name: "TidegateJSONTests", dependencies: ["TidegateTestSupport", "TidegateJSON"]),
        .testTarget(name: "TidegatePolicyTests", dependencies: ["TidegateTestSupport", "TidegatePolicy", "TidegateJSON"]),
        .testTarget(name: "TidegateAdmissionTests", dependencies: ["TidegateAdmission", "TidegatePolicy", "TidegateJSON", "TidegateConfig"]),
        .testTarget(name: "TidegateConfigTests", dependencies: ["TidegateConfig", "TidegatePolicy", "TidegateJSON"]),
        .testTarget(name: "TidegateHTTP1Tests", dependencies: ["TidegateTestSupport", "TidegateHTTP1", "TidegateHTTP"]),
        .testTarget(name: "TidegateHTTP2Tests", dependencies: ["TidegateTestSupport", "TidegateHTTP2", "TidegateHTTP", "CNGHTTP2", "CTidegateSystem"]),
        .testTarget(name: "TidegateTransportTests", dependencies: ["TidegateTransport", "COpenSSL", "CTidegateSystem"]),
        .testTarget(
            name: "TidegateServerTests",
            dependencies: ["TidegateServer", "TidegateTransport", "TidegateHTTP", "TidegateAdmission", "TidegateConfig", "TidegatePolicy"]),
        .testTarget(name: "TidegateCLITests", dependencies: ["TidegateJSON", "TidegateCLI"]),
        .testTarget(
            name: "TidegateConformanceTests",
            dependencies: ["TidegateConfig", "TidegateAdmission", "TidegatePolicy", "TidegateJSON"]),
    ]
)
