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
        .executableTarget(
            name: "fuzz-http1",
            dependencies: ["CLibFuzzer", .product(name: "TidegateHTTP1", package: "tidegate")],
            path: "Sources/fuzz-http1"),
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
