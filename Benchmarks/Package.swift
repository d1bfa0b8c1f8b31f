// swift-tools-version:6.1
// Benchmarks live in their own package so the main package's test command never builds
// ordo-one/benchmark and its dependencies.
import PackageDescription

let package = Package(
    name: "tidegate-benchmarks",
    dependencies: [
        .package(name: "tidegate", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "AdmissionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TidegateJSON", package: "tidegate"),
                .product(name: "TidegatePolicy", package: "tidegate"),
                .product(name: "TidegateAdmission", package: "tidegate"),
            ],
            path: "Benchmarks/AdmissionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
