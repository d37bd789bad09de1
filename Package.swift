// swift-tools-version: 6.0
// Benchtop: a Swift workbench for action reasoning models (MolmoAct, MolmoAct2, openpi) in simulation.
import PackageDescription

let package = Package(
    name: "Benchtop",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "benchtop", targets: ["benchtop"]),
        .library(name: "BenchtopCore", targets: ["BenchtopCore"]),
        .library(name: "BenchtopScene", targets: ["BenchtopScene"]),
        .library(name: "BenchtopPhysics", targets: ["BenchtopPhysics"]),
        .library(name: "BenchtopImage", targets: ["BenchtopImage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // MARK: - Native layer (each C module is imported by exactly one Swift module)
        .systemLibrary(name: "CBullet", path: "Sources/CBullet", pkgConfig: "bullet-float64",
                       providers: [.apt(["libbullet-dev"])]),
        .target(
            name: "CBulletShim",
            dependencies: ["CBullet"],
            path: "Sources/CBulletShim",
            cxxSettings: [
                // SwiftPM drops -D flags from pkg-config output; without this the shim links against
                // the float build's symbols and fails (see shared/design/native-layer.md).
                .define("BT_USE_DOUBLE_PRECISION"),
                .unsafeFlags(["-O2"]),
            ],
            linkerSettings: [
                .linkedLibrary("BulletDynamics-float64"),
                .linkedLibrary("BulletCollision-float64"),
                .linkedLibrary("LinearMath-float64"),
            ]
        ),

        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: - Swift modules
        .target(name: "BenchtopCore"),
        .target(name: "BenchtopNumerics", dependencies: ["COpenBLAS"],
                linkerSettings: [.unsafeFlags(["-L/usr/lib/x86_64-linux-gnu/openblas-pthread"])]),
        .target(name: "BenchtopImage", dependencies: ["BenchtopCore", "CZlib"]),
        .target(name: "BenchtopScene", dependencies: ["BenchtopCore", "Yams"]),
        .target(name: "BenchtopPhysics", dependencies: ["BenchtopCore", "BenchtopScene", "CBulletShim"]),
        .target(name: "BenchtopPolicy", dependencies: ["BenchtopCore"]),
        .target(name: "BenchtopReasoning", dependencies: ["BenchtopCore"]),
        .target(name: "BenchtopRemote", dependencies: ["BenchtopCore", "BenchtopPolicy", "BenchtopReasoning", "BenchtopImage"]),
        .target(name: "BenchtopEval", dependencies: ["BenchtopCore", "BenchtopScene", "BenchtopPhysics", "BenchtopPolicy"]),
        .target(
            name: "BenchtopCLI",
            dependencies: [
                "BenchtopCore", "BenchtopScene", "BenchtopPhysics", "BenchtopRemote",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "benchtop", dependencies: ["BenchtopCLI"]),

        // MARK: - Tests
        .testTarget(name: "BenchtopCoreTests", dependencies: ["BenchtopCore"]),
        .testTarget(name: "BenchtopImageTests", dependencies: ["BenchtopImage", "BenchtopCore"]),
        .testTarget(name: "BenchtopNumericsTests", dependencies: ["BenchtopNumerics"]),
        .testTarget(name: "BenchtopSceneTests", dependencies: ["BenchtopScene"]),
        .testTarget(name: "BenchtopEvalTests", dependencies: ["BenchtopEval", "BenchtopPhysics", "BenchtopScene", "BenchtopPolicy"]),
        .testTarget(name: "BenchtopReasoningTests", dependencies: ["BenchtopReasoning", "BenchtopCore"]),
        .testTarget(name: "BenchtopRemoteTests",
                    dependencies: ["BenchtopRemote", "BenchtopReasoning", "BenchtopPolicy", "BenchtopEval", "BenchtopPhysics", "BenchtopScene", "BenchtopCore"]),
        .testTarget(name: "BenchtopPhysicsTests", dependencies: ["BenchtopPhysics", "BenchtopScene"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
