// swift-tools-version:6.0
// Kac: DistillKac image generators on the CPU — a rendering daemon (`kacd`) and its companion CLI (`kac`).
// Layers, bottom to top: C system libraries → TensorCore/DiskIO → NeuralNet, KacFlow, ModelStore,
// Spool, Imaging → Training, RenderService → executables. Dependencies point one way.
import PackageDescription

let package = Package(
    name: "Kac",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kac", targets: ["kac"]),
        .executable(name: "kacd", targets: ["kacd"]),
        .executable(name: "kac-bench", targets: ["kac-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C system libraries (Debian packages named in `providers`).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libvips' API is variadic; Swift cannot call variadic C, so this shim wraps what we use.
        .target(name: "CVipsShim", dependencies: ["CVips"]),
        // Linux system calls Glibc's Swift module leaves out (renameat2).
        .target(name: "CSyscalls"),
        // bf16 matrix products through oneDNN (Debian's libdnnl-dev; no pkg-config file, so linked by
        // name), with the cpuid checks that decide whether they may run.
        .target(
            name: "CBFloat16", dependencies: ["CVectorKernels"],
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        // AVX-512 versions of the elementwise kernels (SiLU, group norm), bit-identical to the Swift
        // loops they replace where the CPU has AVX-512F, with the cpuid check the bf16 path shares.
        .target(name: "CVectorKernels"),
        // The git commit of a build, set only by `-Xcc '-DKAC_COMMIT="…"'` (systemd/install.sh).
        .target(name: "CBuildInfo"),

        // Foundations. Vocabulary: the names that cross module borders (model references, sampler,
        // schedule, image-format and class names, JSON values, the version); it depends on nothing.
        .target(name: "Vocabulary"),
        .target(name: "TensorCore", dependencies: ["CBLAS", "CBFloat16"]),
        .target(name: "DiskIO", dependencies: ["CSyscalls", "Vocabulary"]),

        // Domain libraries.
        .target(name: "NeuralNet", dependencies: ["TensorCore", "CVectorKernels"]),
        .target(name: "KacFlow", dependencies: ["TensorCore", "Vocabulary"]),
        .target(
            name: "ModelStore",
            dependencies: [
                "DiskIO", "Vocabulary", "CZstd", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "Spool", dependencies: ["DiskIO", "Vocabulary"]),
        .target(name: "Imaging", dependencies: ["CVipsShim", "DiskIO", "Vocabulary"]),
        // Generation: network architectures, zoo models loaded from a manifest, the sampling loop and
        // its samples as rasters (Imaging's).
        .target(name: "Generation", dependencies: ["TensorCore", "NeuralNet", "KacFlow", "ModelStore", "Imaging", "Vocabulary"]),

        // Wiring.
        .target(
            name: "Training",
            dependencies: [
                "TensorCore", "NeuralNet", "KacFlow", "ModelStore", "DiskIO", "Imaging", "Generation", "Vocabulary",
                "CZlib",
            ]),
        .target(
            name: "RenderService",
            dependencies: [
                "TensorCore", "ModelStore", "Spool", "Imaging", "Generation", "Vocabulary",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // The benchmark harness `kac-bench`'s subcommands call (network, render, zoo, peer-dump):
        // measurements as library entry points, so the commands only parse options and print.
        .target(
            name: "KacBench",
            dependencies: ["TensorCore", "NeuralNet", "ModelStore", "Imaging", "KacFlow", "Generation", "RenderService", "Vocabulary"]),

        // What `kac` and `kac-bench` share: the option groups that mean the same in both (--zoo,
        // --threads), the console (notes, problems, JSON, tables) and main's error handling.
        .target(
            name: "ToolSupport",
            dependencies: [
                "TensorCore", "ModelStore", "Generation", "RenderService", "Vocabulary",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Executables.
        .executableTarget(
            name: "kac",
            dependencies: [
                "TensorCore", "KacFlow", "ModelStore", "Spool", "Imaging", "Generation", "Training",
                "RenderService", "ToolSupport", "Vocabulary", "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The developer's benchmarks (not installed): a thin shell over KacBench.
        .executableTarget(
            name: "kac-bench",
            dependencies: [
                "KacBench", "ToolSupport", "Generation", "RenderService", "TensorCore", "Vocabulary", "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "kacd",
            dependencies: [
                "RenderService", "Spool", "TensorCore", "Vocabulary", "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Tests.
        .target(name: "TestSupport", dependencies: ["TensorCore"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "DiskIOTests", dependencies: ["DiskIO", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "CVectorKernels", "TestSupport"]),
        .testTarget(name: "KacFlowTests", dependencies: ["KacFlow", "Vocabulary", "TestSupport"]),
        // Generation, NeuralNet and TensorCore only build real (tiny) models as fixtures: the `kac zoo`
        // commands these tests run check every model they touch.
        .testTarget(
            name: "ModelStoreTests", dependencies: ["ModelStore", "Vocabulary", "TestSupport", "Generation", "NeuralNet", "TensorCore"]),
        .testTarget(name: "SpoolTests", dependencies: ["Spool", "Vocabulary", "ModelStore", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Vocabulary", "TestSupport", "CZlib"]),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "Training", "Generation", "Imaging", "KacFlow", "ModelStore", "NeuralNet", "Vocabulary", "TestSupport",
            ]),
        .testTarget(
            name: "RenderServiceTests",
            dependencies: [
                "RenderService", "Generation", "ModelStore", "Spool", "Imaging", "KacFlow", "NeuralNet", "Vocabulary", "TestSupport",
            ]),
        .testTarget(name: "VocabularyTests", dependencies: ["Vocabulary", "TestSupport"]),
        .testTarget(
            name: "KacBenchTests",
            dependencies: ["KacBench", "RenderService", "Generation", "KacFlow", "ModelStore", "NeuralNet", "TensorCore", "Vocabulary", "TestSupport"]),
        // The executables as a user runs them (child processes of the built `kac`, `kacd` and `kac-bench`).
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "Vocabulary"]),
        // One spool through real GlusterFS and sshfs mounts on loopback addresses (skipped without FUSE or root).
        .testTarget(name: "SharedSpoolTests", dependencies: ["TestSupport"]),
    ]
)
