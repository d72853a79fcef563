import ArgumentParser
import Foundation
import Pipelines

struct AlignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align",
        abstract: "Detect faces in photos and cut FFHQ-aligned crops (what the face models expect).",
        discussion: """
        The face models (FFHQ StyleGAN2 and the encoders trained on it) only know faces cropped and rotated the \
        way the FFHQ dataset was: eyes level at fixed places, the head filling the square. This does that to any \
        photo, with dlib's face detector and 68 landmarks (Debian's libdlib-dev / libdlib-data) and the FFHQ \
        script's procedure (eye/mouth quad, shrink, crop, blurred reflection padding, quad warp, Lanczos resize). \
        Writes STEM.png and STEM.json (the transform, landmarks and box) per photo, for the largest face, or \
        STEM_faceK.* for every face with --all-faces. A photo with no face is reported on one line and the others \
        go on; the exit status is then non-zero. `invert --align` and `edit --align` do this and paste the result \
        back into the photo.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "A photo (PNG/JPEG) or a folder of them.")
    var input: String

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "Side of the aligned crops (FFHQ: 1024; e4e's models take 256).")
    var size: Int = 1024

    @Option(help: "Side of the intermediate quad warp (default: 4 × --size, as FFHQ; e4e's copy uses --size).")
    var transformSize: Int?

    @Flag(help: "Align every face found, not only the largest.")
    var allFaces = false

    @Option(help: "dlib 68-point shape predictor.")
    var predictor: String = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

    func validate() throws {
        guard (1...8192).contains(size) else { throw ValidationError("--size must be between 1 and 8192, got \(size)") }
        if let transformSize, !(1...16384).contains(transformSize) {
            throw ValidationError("--transform-size must be between 1 and 16384, got \(transformSize)")
        }
    }

    func run() throws {
        _ = try global.apply()
        var job = AlignJob(input: URL(fileURLWithPath: input), out: URL(fileURLWithPath: out))
        job.outputSize = size
        job.transformSize = transformSize
        job.allFaces = allFaces
        job.predictorPath = predictor
        job.quiet = global.quiet
        let result = try job.run()
        for line in result.failures { FileHandle.standardError.write(Data("error: \(line)\n".utf8)) }
        print("aligned \(result.faces) face(s) from \(result.photos - result.failures.count) of \(result.photos) photo(s); wrote \(result.written.count) file(s) to \(out)")
        if !result.failures.isEmpty { throw ExitCode.failure }
    }
}
