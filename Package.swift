// swift-tools-version:6.0
// GradStyle-Swift: GAN inversion and attribute editing on StyleGAN2 (GradStyle, AAAI 2024).
// Layers, bottom to top: CTorch (C ABI shim over libtorch) → Torch → NN → Models → Pipelines → gradstyle CLI.
// TensorIO (checkpoint formats) and ImageIO (codecs) are pure Swift/C and sit beside Torch; FaceLandmarks (dlib through
// the CFaceLandmarks shim, plus FFHQ alignment by those landmarks) and SyntheticFaces (the procedural face painter)
// sit on ImageIO.
import PackageDescription
import Foundation

// Which libtorch: Debian's libtorch-dev by default, or LIBTORCH=/dir (with include/ and lib/) for another one,
// e.g. a CUDA build from the PyPI wheel.
let env = ProcessInfo.processInfo.environment
let libtorch = env["LIBTORCH"].flatMap { $0.isEmpty ? nil : $0 }
let torchIncludes: [String]
let torchLibDir: String
if let root = libtorch {
    torchIncludes = ["\(root)/include", "\(root)/include/torch/csrc/api/include"]
    torchLibDir = "\(root)/lib"
} else {
    // /usr/include is already on the system path; naming it again breaks libstdc++'s include_next.
    torchIncludes = ["/usr/include/torch/csrc/api/include"]
    torchLibDir = "/usr/lib/x86_64-linux-gnu"
}
let cxxStd = env["CTORCH_CXX_STD"] ?? "c++17"
let torchCxxFlags = torchIncludes.flatMap { ["-isystem", $0] } + ["-std=\(cxxStd)", "-O2", "-D_GLIBCXX_USE_CXX11_ABI=\(env["CTORCH_CXX11_ABI"] ?? "1")", "-Wno-deprecated-declarations"]
var torchLinkFlags = ["-Xlinker", "-rpath", "-Xlinker", torchLibDir]
var torchLibs = ["torch", "torch_cpu", "c10"]
if libtorch != nil {
    let withCUDA = FileManager.default.fileExists(atPath: "\(torchLibDir)/libtorch_cuda.so")
    if withCUDA { torchLibs += ["torch_cuda", "c10_cuda"] }
    // By full path, not -L/-l: the toolchain puts -L/usr/lib/x86_64-linux-gnu ahead of ours, so with Debian's
    // libtorch-dev installed `-ltorch_cpu` would silently pick 1.13.
    var byPath = torchLibs.flatMap { ["-Xlinker", "\(torchLibDir)/lib\($0).so"] }
    if withCUDA {
        // Keep CUDA kernels linked even though nothing references them by symbol; and let the link succeed on
        // a machine without the CUDA runtime libraries that libtorch_cuda needs (they are found where it runs).
        byPath = ["-Xlinker", "--no-as-needed"] + byPath + ["-Xlinker", "--allow-shlib-undefined"]
    }
    torchLinkFlags = byPath + torchLinkFlags
    torchLibs = []
} else {
    torchLinkFlags = ["-L\(torchLibDir)"] + torchLinkFlags
}

// Targets whose per-pixel (or per-value) Swift loops run in the tests: optimised even in debug builds, where -Onone
// makes them 10–50× slower (the test suite's time); -enable-testing stays, so @testable imports still work. TensorIO
// is one: every checkpoint read and write checks each value is finite (a 40 MB bundle took 1 s more to open).
let pixelLoops: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "GradStyle",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gradstyle", targets: ["gradstyle"]),
        .library(name: "GradStyleKit", targets: ["Pipelines"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        // `gradstyle serve`'s HTTP server: small, no SwiftNIO (DESIGN "Serving" has the build-time figures).
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        .target(
            name: "CTorch",
            cxxSettings: [.unsafeFlags(torchCxxFlags)],
            linkerSettings: [.unsafeFlags(torchLinkFlags)] + torchLibs.map { .linkedLibrary($0) }
        ),
        .target(name: "TensorIO", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
                swiftSettings: pixelLoops),
        .target(name: "Torch", dependencies: ["CTorch", "TensorIO"]),
        .target(
            name: "CImageCodec",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        .target(name: "ImageIO", dependencies: ["CImageCodec", "TensorIO"], swiftSettings: pixelLoops),
        // dlib's face detector and 68-point landmark predictor behind a C ABI (Debian's libdlib-dev). dlib's
        // headers call BLAS/LAPACK inline (Debian builds it with DLIB_USE_BLAS/LAPACK), so those are linked too:
        // `pkg-config --libs dlib-1` adds png/jpeg/sqlite, which libdlib.so already pulls in itself.
        .target(
            name: "CFaceLandmarks",
            cxxSettings: [.unsafeFlags(["-std=c++17", "-O2"])],
            linkerSettings: [.linkedLibrary("dlib"), .linkedLibrary("blas"), .linkedLibrary("lapack")]
        ),
        // dlib in Swift, and FFHQ-style alignment by its landmarks (crop, transform, paste back; per-pixel loops).
        .target(name: "FaceLandmarks", dependencies: ["CFaceLandmarks", "ImageIO"], swiftSettings: pixelLoops),
        // The procedural face painter behind the bundled model's training data: pure Swift, no torch.
        .target(name: "SyntheticFaces", dependencies: ["ImageIO"], swiftSettings: pixelLoops),
        .target(name: "NN", dependencies: ["Torch"]),
        .target(name: "Models", dependencies: ["NN", "TensorIO"]),
        .target(name: "Pipelines", dependencies: ["Models", "ImageIO", "FaceLandmarks", "SyntheticFaces", "TensorIO",
                                                .product(name: "SwiftCSV", package: "SwiftCSV")]),
        // `gradstyle serve`: the local web editor (HTTP server, page, edit queue) over Pipelines.
        .target(name: "Serving", dependencies: ["Pipelines", "Models", "Torch", "ImageIO", "FaceLandmarks",
                                              .product(name: "FlyingFox", package: "FlyingFox"),
                                              .product(name: "FlyingSocks", package: "FlyingFox")]),
        .executableTarget(
            name: "gradstyle",
            // Only the layers above the models: the CLI maps flags to job options and imports nothing below Pipelines.
            dependencies: ["Pipelines", "Serving", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Test targets mirror the source targets; CLITests runs the built `gradstyle` binary itself.
        .testTarget(name: "TensorIOTests", dependencies: ["TensorIO"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"]),
        .testTarget(name: "FaceLandmarksTests", dependencies: ["FaceLandmarks", "CFaceLandmarks", "ImageIO"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "SyntheticFacesTests", dependencies: ["SyntheticFaces", "ImageIO"]),
        .testTarget(name: "TorchTests", dependencies: ["Torch"]),
        .testTarget(name: "NNTests", dependencies: ["NN"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PipelinesTests", dependencies: ["Pipelines", "SyntheticFaces", "FaceLandmarks"]),
        .testTarget(name: "CLITests", dependencies: ["Pipelines", "SyntheticFaces"]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Pipelines", "ImageIO", "TensorIO"]),
    ],
    swiftLanguageModes: [.v5]
)
