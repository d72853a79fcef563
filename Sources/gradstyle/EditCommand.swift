import ArgumentParser
import Foundation
import Pipelines

struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Invert images and edit them along latent directions: GradStyle's Editing Stream, or e4e, one-shot or HFGI.",
        discussion: """
        Writes, per input image STEM: STEM_inversion.png, STEM_<edit>_<strength>.png for each --edit, \
        STEM_sweep_<edit>.png (a labelled strip) for each --sweep, and with --sheet STEM_sheet.png \
        (source | inversion | edits) plus index.html. Edits come from --directions (InterFaceGAN .pt/.npy as \
        e4e/HFGI ship them, GANSpace *_pca.pt + ganspace.json) or inline as ganspace:PC:START:END:STRENGTH.
        With --align the inputs are ordinary photos: each one's largest face is found (dlib) and FFHQ-aligned to \
        1024² (as `gradstyle align`), edited, and the inversion and edits are pasted back into the photo with a \
        feathered mask, at the photo's size and unchanged outside the face (strips and sheets show the aligned \
        crops). A photo with no face is reported on one line, the others go on, and the exit status is non-zero.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "GradStyle model bundle (.safetensors from `train gradstyle`), a pSp/e4e .pt with --method e4e, or an HFGI .pt.")
    var model: String

    @Option(help: "An image or a folder of images (aligned, cropped faces for face models).")
    var input: String

    @Option(help: "Output folder.")
    var out: String

    @Option(parsing: .singleValue, help: "NAME:STRENGTH, repeatable (e.g. smile:1.5).")
    var edit: [String] = []

    @Option(parsing: .singleValue, help: "NAME:MIN:MAX:STEPS, repeatable: a strip of strengths.")
    var sweep: [String] = []

    @Option(help: "Folder of direction files (default: the model bundle's folder, if it has direction files).")
    var directions: String?

    @Option(help: "gradstyle, e4e, single-stage or hfgi. Default: hfgi for HFGI checkpoints, else gradstyle.")
    var method: String?

    @Flag(help: "Write a side-by-side sheet per image and an HTML index.")
    var sheet = false

    @Option var batch: Int = 4

    @Flag(help: "Inputs are photos: detect and align each face first, paste the results back into the photo.")
    var align = false

    func validate() throws {
        if let method, InversionMethod.Name(rawValue: method) == nil {
            throw ValidationError("invalid --method '\(method)': expected gradstyle, e4e, single-stage or hfgi")
        }
        guard !edit.isEmpty || !sweep.isEmpty else { throw ValidationError("give at least one --edit or --sweep") }
        try OptionCheck.batch(batch)
        _ = try requests()
    }

    /// The --edit and --sweep values as edit requests.
    func requests() throws -> [EditRequest] {
        do {
            return try edit.map { try EditRequest.parse($0) } + sweep.map { try EditRequest.parseSweep($0) }
        } catch let e as EditRequest.Invalid {
            let flag = edit.contains(e.text) ? "--edit" : "--sweep"
            throw ValidationError("invalid \(flag) '\(e.text)': \(e.reason)")
        }
    }

    func run() throws {
        let device = try global.apply()
        let requests = try requests()
        let inputs = try InputImages(URL(fileURLWithPath: input))
        let modelURL = URL(fileURLWithPath: model)
        let loaded = try InversionMethod.load(modelURL, name: method.flatMap { InversionMethod.Name(rawValue: $0) },
                                              fallback: .gradstyle, device: device)
        let library = try DirectionFolder.library(directions.map { URL(fileURLWithPath: $0) }, model: modelURL, styleDim: loaded.styleDim)
        var job = EditJob(method: loaded, input: inputs, out: URL(fileURLWithPath: out), edits: requests, directions: library)
        job.sheet = sheet
        job.batch = batch
        job.quiet = global.quiet
        let result = align ? try job.runAligned() : try job.run()
        for note in result.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        for line in result.failures { FileHandle.standardError.write(Data("error: \(line)\n".utf8)) }
        print("edited \(result.images) image(s) with \(requests.count) edit(s); wrote \(result.written.count) file(s) to \(out)")
        if !result.failures.isEmpty { throw ExitCode.failure }
    }
}
