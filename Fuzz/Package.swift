// swift-tools-version:6.0
// libFuzzer targets for Tidegate's parsers. Separate from the main package because every target
// here is built with `-sanitize=fuzzer,address` and links libFuzzer's own main; see README.md.
import PackageDescription

let package = Package(
    name: "tidegate-fuzz",
    dependencies: [
        .package(name: "tidegate", path: ".."),
    ],
    targets: [
        // libFuzzer's driver entry point, shared by every fuzz executable.
        .target(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        // Limits and the echo responder the HTTP targets share.
        .target(
            name: "FuzzSupport", dependencies: [.product(name: "TidegateHTTP1", package: "tidegate")],
            path: "Sources/FuzzSupport"),
        .executableTarget(
            name: "fuzz-http1",
            dependencies: ["CLibFuzzer", "FuzzSupport", .product(name: "TidegateHTTP1", package: "tidegate")],
            path: "Sources/fuzz-http1"),
        .executableTarget(
            name: "fuzz-http2",
            dependencies: [
                "CLibFuzzer", "FuzzSupport", .product(name: "TidegateHTTP2", package: "tidegate"),
            ],
            path: "Sources/fuzz-http2"),
        .executableTarget(
            name: "fuzz-json",
            dependencies: [
                "CLibFuzzer", .product(name: "TidegateJSON", package: "tidegate"),
                .product(name: "TidegatePolicy", package: "tidegate"),
            ],
            path: "Sources/fuzz-json"),
        .executableTarget(
            name: "fuzz-admission",
            dependencies: [
                "CLibFuzzer", .product(name: "TidegateAdmission", package: "tidegate"),
                .product(name: "TidegateJSON", package: "tidegate"), .product(name: "TidegatePolicy", package: "tidegate"),
            ],
            path: "Sources/fuzz-admission"),
    ]
)
