// swift-tools-version: 6.0
// Benchtop: a Swift workbench for action reasoning models (MolmoAct, MolmoAct2, openpi) in simulation.
import PackageDescription

let package = Package(
    name: "Benchtop",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "benchtop", targets: ["benchtop"]),
        .executable(name: "benchtop-bench", targets: ["BenchtopBenchmarks"]),
        // Render and closed-loop benchmarks without the video libraries, for GPU servers (scripts/bundle.sh).
        .executable(name: "benchtop-gpu-bench", targets: ["BenchtopGPUBenchmarks"]),
        .library(name: "BenchtopCore", targets: ["BenchtopCore"]),
        .library(name: "BenchtopScene", targets: ["BenchtopScene"]),
        .library(name: "BenchtopPhysics", targets: ["BenchtopPhysics"]),
        .library(name: "BenchtopImage", targets: ["BenchtopImage"]),
        .library(name: "BenchtopReasoning", targets: ["BenchtopReasoning"]),
        .library(name: "BenchtopRender", targets: ["BenchtopRender"]),
        .library(name: "BenchtopViewer", targets: ["BenchtopViewer"]),
        .library(name: "EmbodimentKit", targets: ["EmbodimentKit"]),
        .library(name: "BenchtopRobot", targets: ["BenchtopRobot"]),
        .library(name: "EmbodimentConformance", targets: ["EmbodimentConformance"]),
        .library(name: "BenchtopDataset", targets: ["BenchtopDataset"]),
        .library(name: "BenchtopRecording", targets: ["BenchtopRecording"]),
        .library(name: "BenchtopARM", targets: ["BenchtopARM"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // MARK: - Native layer (each C module is imported by exactly one Swift module)
        .systemLibrary(
            name: "CBullet", path: "Sources/CBullet", pkgConfig: "bullet-float64",
            providers: [.apt(["libbullet-dev", "libbullet-extras-dev"])]),
        .target(
            name: "CBulletShim",
            dependencies: ["CBullet"],
            path: "Sources/CBulletShim",
            cxxSettings: [
                // SwiftPM drops -D flags from pkg-config output; without this the shim links against
                // the float build's symbols and fails (see docs/native-layer.md).
                .define("BT_USE_DOUBLE_PRECISION"),
                .unsafeFlags(["-O2"]),
            ],
            linkerSettings: [
                .linkedLibrary("BulletDynamics-float64"),
                .linkedLibrary("BulletCollision-float64"),
                .linkedLibrary("LinearMath-float64"),
                // Convex decomposition (HACD, Bullet's Extras: libbullet-extras-dev).
                .linkedLibrary("HACD"),
            ]
        ),

        // Mesh files (OBJ + MTL, STL, glTF/GLB, ...) through Debian's Assimp, read by BenchtopMesh alone.
        .systemLibrary(name: "CAssimp", path: "Sources/CAssimp", pkgConfig: "assimp", providers: [.apt(["libassimp-dev"])]),

        // Benchtop's own vector kernels (packed-filter products, Winograd 3×3), compiled for AVX-512 and AVX2 in one
        // binary; imported by BenchtopNumerics alone.
        .target(name: "CNumericsKernels", path: "Sources/CNumericsKernels", cSettings: [.unsafeFlags(["-O2"])]),

        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CFFmpeg", path: "Sources/CFFmpeg",
            providers: [.apt(["libavcodec-dev", "libavformat-dev", "libswscale-dev"])]),
        .systemLibrary(
            name: "CCompression", path: "Sources/CCompression",
            providers: [.apt(["libsnappy-dev", "libzstd-dev"])]),

        // Headless GL links libEGL + libOpenGL (glvnd), never libGL (which pulls in GLX).
        .systemLibrary(name: "CEGL", path: "Sources/CEGL", providers: [.apt(["libegl-dev", "libegl-mesa0"])]),
        .systemLibrary(name: "CGL", path: "Sources/CGL", providers: [.apt(["libopengl-dev", "libgl-dev", "libgl1-mesa-dri"])]),
        .systemLibrary(name: "CGLFW", path: "Sources/CGLFW", providers: [.apt(["libglfw3-dev"])]),
        // Dear ImGui from Debian's libimgui-dev (the library with its GLFW and OpenGL 3 backends) for the viewer's
        // panels, behind a pure C shim that BenchtopViewer alone imports.
        .systemLibrary(name: "CImGui", path: "Sources/CImGui", pkgConfig: "imgui", providers: [.apt(["libimgui-dev"])]),
        .target(
            name: "CImGuiShim", dependencies: ["CImGui"], path: "Sources/CImGuiShim",
            linkerSettings: [.linkedLibrary("glfw"), .linkedLibrary("OpenGL"), .linkedLibrary("dl")]),

        // MARK: - Swift modules
        .target(name: "BenchtopCore"),
        .target(
            name: "BenchtopNumerics", dependencies: ["COpenBLAS", "CNumericsKernels"],
            linkerSettings: [.unsafeFlags(["-L/usr/lib/x86_64-linux-gnu/openblas-pthread"])]),
        .target(name: "BenchtopImage", dependencies: ["BenchtopCore", "CZlib", "CTurboJPEG"]),
        .target(name: "BenchtopMesh", dependencies: ["BenchtopCore", "BenchtopImage", "CAssimp"]),
        .target(name: "BenchtopScene", dependencies: ["BenchtopCore", "BenchtopMesh", "Yams"]),
        .target(name: "BenchtopDataset", dependencies: ["BenchtopCore", "CFFmpeg", "CCompression"]),
        .target(
            name: "BenchtopReasoning", dependencies: ["BenchtopCore", "BenchtopNumerics"],
            resources: [.copy("Resources")]),
        .target(name: "BenchtopPhysics", dependencies: ["BenchtopCore", "BenchtopScene", "CBulletShim"]),
        .target(name: "BenchtopPolicy", dependencies: ["BenchtopCore"]),
        .target(name: "BenchtopRemote", dependencies: ["BenchtopCore", "BenchtopPolicy", "BenchtopReasoning", "BenchtopImage"]),
        // Out-of-distribution variations as pure scene transforms, and sweep specs.
        .target(name: "BenchtopVariation", dependencies: ["BenchtopCore", "BenchtopScene", "BenchtopMesh", "Yams"]),
        // Seeded perturbations between policy and robot (traces, depth tokens, actions, observations) and their spec.
        .target(name: "BenchtopPerturbation", dependencies: ["BenchtopCore", "BenchtopPolicy", "Yams"]),
        // The Benchtop ARM: a small learned action reasoning model (depth codes -> trace -> actions) on OpenBLAS.
        .target(
            name: "BenchtopARM", dependencies: ["BenchtopCore", "BenchtopNumerics", "BenchtopPolicy", "BenchtopReasoning"],
            resources: [.copy("Resources")]),
        .target(
            name: "BenchtopExpert",
            dependencies: ["BenchtopCore", "BenchtopScene", "BenchtopPhysics", "BenchtopPolicy", "BenchtopRobot", "EmbodimentKit"]),
        // The runner, the tabletop environment, stages, metrics, reports and sweeps: sees policies only through
        // the Policy protocol.
        .target(
            name: "BenchtopEval",
            dependencies: [
                "BenchtopCore", "BenchtopScene", "BenchtopPhysics", "BenchtopPolicy", "BenchtopRobot", "BenchtopRender",
                "EmbodimentKit", "BenchtopVariation", "BenchtopImage",
                "BenchtopPerturbation", "BenchtopReasoning", "BenchtopNumerics",
            ]),
        // Episode and reasoning-panel videos of an evaluation (FFmpeg through BenchtopDataset), apart from BenchtopEval
        // so that the loop itself links no video libraries (the GPU bundle's benchtop-gpu-bench).
        .target(
            name: "BenchtopEvalVideo",
            dependencies: ["BenchtopCore", "BenchtopEval", "BenchtopDataset", "BenchtopImage", "BenchtopPolicy"]),
        // One policy factory (builtin, arm, molmoact, molmoact2, openpi) and one evaluation builder that every command uses.
        .target(
            name: "BenchtopBuilder",
            dependencies: [
                "BenchtopCore", "BenchtopScene", "BenchtopPolicy", "BenchtopRobot", "BenchtopEval", "BenchtopExpert",
                "BenchtopRemote", "BenchtopReasoning", "BenchtopPerturbation", "BenchtopVariation", "EmbodimentKit",
                "BenchtopARM",
            ]),
        // Demonstration recording and replay: LeRobot datasets with action-reasoning annotations.
        .target(
            name: "BenchtopRecording",
            dependencies: [
                "BenchtopCore", "BenchtopScene", "BenchtopPhysics", "BenchtopPolicy", "BenchtopRobot", "BenchtopEval",
                "BenchtopBuilder", "BenchtopDataset", "BenchtopReasoning", "BenchtopImage", "EmbodimentKit", "BenchtopTeleop",
            ]),
        .target(name: "BenchtopRender", dependencies: ["BenchtopCore", "BenchtopScene", "CGL", "CEGL"]),
        .target(
            name: "BenchtopViewer",
            dependencies: ["BenchtopCore", "BenchtopScene", "BenchtopRender", "BenchtopImage", "BenchtopTeleop", "CGLFW", "CImGuiShim"]),
        // Teleoperation devices behind one Teleoperator protocol: keyboard and gamepad mappings, SpaceMouse (spacenavd's
        // socket protocol), leader arms on Feetech and Dynamixel servo buses. No simulation, no GL.
        .target(name: "BenchtopTeleop"),
        // The embodiment plugin API (no Bullet, no GL) and the glue that applies control modes to a World.
        .target(name: "EmbodimentKit", dependencies: ["BenchtopCore", "BenchtopScene", "BenchtopNumerics", "Yams"]),
        .target(name: "BenchtopRobot", dependencies: ["BenchtopCore", "BenchtopScene", "BenchtopPhysics", "EmbodimentKit"]),
        .target(
            name: "EmbodimentConformance",
            dependencies: ["BenchtopCore", "BenchtopScene", "BenchtopPhysics", "EmbodimentKit", "BenchtopRobot"]),

        // MARK: - Embodiment plugins (ordinary library targets under Plugins/, not SwiftPM package plugins)
        .target(
            name: "FrankaEmbodiment", dependencies: ["EmbodimentKit", "BenchtopCore"], path: "Plugins/Franka",
            exclude: ["README.md"], resources: [.copy("franka.urdf"), .copy("franka_droid.urdf")]),
        .target(
            name: "YAMEmbodiment", dependencies: ["EmbodimentKit", "BenchtopCore"], path: "Plugins/YAM",
            exclude: ["README.md", "make_urdf.py"], resources: [.copy("yam_bimanual.urdf")]),
        .target(
            name: "SOEmbodiment", dependencies: ["EmbodimentKit", "BenchtopCore"], path: "Plugins/SO100",
            exclude: ["README.md", "make_urdf.py"], resources: [.copy("so101.urdf"), .copy("so100.urdf")]),

        // The plugins above, registered by every executable in one call.
        .target(name: "BuiltinEmbodiments", dependencies: ["EmbodimentKit", "FrankaEmbodiment", "YAMEmbodiment", "SOEmbodiment"]),

        // Interactive sessions that drive a loop from the viewer: eval --view, teleoperated recording, replay.
        .target(
            name: "BenchtopSessions",
            dependencies: [
                "BenchtopCore", "BenchtopScene", "BenchtopEval", "BenchtopExpert", "BenchtopPolicy", "BenchtopReasoning",
                "BenchtopRecording", "BenchtopViewer", "BenchtopTeleop", "BenchtopPhysics", "BenchtopRobot",
            ]),

        .target(
            name: "BenchtopCLI",
            dependencies: [
                "BenchtopCore", "BenchtopScene", "BenchtopPhysics", "BenchtopImage", "BenchtopRender", "BenchtopViewer",
                "EmbodimentKit", "BenchtopRobot", "BenchtopPolicy", "BenchtopEval", "BenchtopDataset",
                "BenchtopNumerics", "BenchtopReasoning", "BenchtopRemote", "BenchtopVariation", "BenchtopRecording", "BenchtopPerturbation",
                "BenchtopSessions", "BenchtopBuilder", "EmbodimentConformance", "BenchtopTeleop", "BenchtopEvalVideo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The benchmarks each issue names, as their own program (swift-nio's NIOPerformanceTester is the model);
        // `benchtop bench ...` runs it.
        // The benchmarks a GPU server runs (render, episodes), shared by benchtop-bench and benchtop-gpu-bench.
        .target(
            name: "BenchtopBenchKit",
            dependencies: [
                "BenchtopCore", "BenchtopScene", "BenchtopPhysics", "BenchtopRender", "BenchtopBuilder", "BenchtopEval",
                "BenchtopImage", "BenchtopNumerics", "BenchtopReasoning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "BenchtopGPUBenchmarks",
            dependencies: [
                "BenchtopBenchKit", "BuiltinEmbodiments", "BenchtopNumerics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "BenchtopBenchmarks",
            dependencies: [
                "BenchtopBenchKit", "BuiltinEmbodiments",
                "BenchtopCore", "BenchtopScene", "BenchtopPhysics", "BenchtopRobot", "BenchtopRender", "BenchtopNumerics",
                "BenchtopReasoning", "BenchtopPolicy", "BenchtopRemote", "BenchtopEval", "BenchtopBuilder", "BenchtopDataset",
                "BenchtopRecording", "BenchtopARM", "EmbodimentKit", "FrankaEmbodiment", "YAMEmbodiment", "SOEmbodiment",
                "EmbodimentConformance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "benchtop",
            dependencies: ["BenchtopCLI", "BenchtopNumerics", "BuiltinEmbodiments"]),

        // MARK: - Tests
        // Helpers of the suites that run programs (the real binary, Python peers: with a deadline and no stdin),
        // temporary folders, closed ports.
        .target(name: "BenchtopTestSupport", path: "Tests/BenchtopTestSupport"),
        // Same seed, same bits: fixed commands through the real binary against golden.json.
        .testTarget(name: "BenchtopGoldenTests", dependencies: ["benchtop", "BenchtopTestSupport"], exclude: ["golden.json"]),
        .testTarget(name: "BenchtopCoreTests", dependencies: ["BenchtopCore"]),
        .testTarget(name: "BenchtopImageTests", dependencies: ["BenchtopImage", "BenchtopCore"]),
        .testTarget(name: "BenchtopNumericsTests", dependencies: ["BenchtopNumerics", "benchtop", "BenchtopTestSupport"]),
        .testTarget(name: "BenchtopSceneTests", dependencies: ["BenchtopScene", "BenchtopMesh", "BenchtopCore", "BenchtopTestSupport"]),
        .testTarget(
            name: "BenchtopReasoningTests", dependencies: ["BenchtopReasoning", "BenchtopNumerics", "BenchtopCore"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "BenchtopARMTests",
            dependencies: [
                "BenchtopARM", "BenchtopNumerics", "BenchtopReasoning", "BenchtopPolicy", "BenchtopCore", "BenchtopEval",
                "BenchtopPerturbation", "BenchtopScene", "FrankaEmbodiment", "EmbodimentKit",
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "BenchtopEvalTests",
            dependencies: [
                "BenchtopEval", "BenchtopBuilder", "BenchtopRobot", "BenchtopPhysics", "BenchtopScene", "BenchtopPolicy", "BenchtopExpert",
                "EmbodimentKit",
                "FrankaEmbodiment", "BenchtopDataset", "BenchtopVariation", "BenchtopPerturbation", "BenchtopReasoning",
                "BenchtopImage", "BenchtopCore", "SOEmbodiment", "YAMEmbodiment", "benchtop", "BenchtopEvalVideo", "BenchtopTestSupport",
            ]),
        .testTarget(
            name: "BenchtopVariationTests",
            dependencies: [
                "BenchtopVariation", "BenchtopScene", "BenchtopCore", "BenchtopPhysics", "BenchtopRender", "BenchtopRobot",
                "EmbodimentKit", "FrankaEmbodiment",
            ]),
        .testTarget(
            name: "BenchtopDatasetTests", dependencies: ["BenchtopDataset", "BenchtopCore", "benchtop", "BenchtopTestSupport"],
            exclude: ["interop.py", "lerobot_probe.py"]),
        .testTarget(
            name: "BenchtopRemoteTests",
            dependencies: [
                "BenchtopRemote", "BenchtopBuilder", "BenchtopVariation", "benchtop", "BenchtopReasoning", "BenchtopPolicy", "BenchtopEval",
                "BenchtopPhysics", "BenchtopScene", "BenchtopCore",
                "EmbodimentKit", "FrankaEmbodiment", "BenchtopTestSupport",
            ]),
        .testTarget(
            name: "BenchtopRecordingTests",
            dependencies: [
                "BenchtopRecording", "BenchtopBuilder", "benchtop", "BenchtopEval", "BenchtopDataset", "BenchtopRender", "BenchtopScene",
                "BenchtopCore",
                "BenchtopImage", "BenchtopReasoning", "BenchtopPolicy", "EmbodimentKit", "FrankaEmbodiment", "SOEmbodiment",
                "BenchtopTestSupport",
            ]),
        .testTarget(name: "BenchtopPhysicsTests", dependencies: ["BenchtopPhysics", "BenchtopScene", "BenchtopCore"]),
        .testTarget(
            name: "BenchtopRenderTests",
            dependencies: ["BenchtopRender", "BenchtopPhysics", "BenchtopScene", "BenchtopCore", "BenchtopImage", "BenchtopTestSupport"]),
        // Hardening: input safety, ranges, eval outputs and the fuzz suite, all through the real binary.
        .testTarget(name: "ReliabilityTests", dependencies: ["benchtop", "BenchtopTestSupport"]),
        .testTarget(
            name: "BenchtopViewerTests", dependencies: ["BenchtopViewer", "BenchtopImage", "BenchtopCore", "benchtop", "BenchtopTestSupport"]),
        .testTarget(
            name: "BenchtopTeleopTests", dependencies: ["BenchtopTeleop", "benchtop", "BenchtopTestSupport"], exclude: ["lerobot_calibration.py"]),
        .testTarget(
            name: "EmbodimentKitTests",
            dependencies: [
                "EmbodimentKit", "BenchtopScene", "BenchtopCore", "BenchtopPhysics",
                "FrankaEmbodiment",
            ]),
        .testTarget(
            name: "EmbodimentConformanceTests",
            dependencies: [
                "EmbodimentConformance", "EmbodimentKit", "BenchtopRobot", "BenchtopPhysics", "BenchtopScene", "BenchtopCore",
                "FrankaEmbodiment", "YAMEmbodiment", "SOEmbodiment", "BenchtopTestSupport",
            ],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
