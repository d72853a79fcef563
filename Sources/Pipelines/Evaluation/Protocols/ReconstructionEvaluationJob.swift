import Foundation

/// `gradstyle eval reconstruction`: the reconstruction protocol on the setup's methods and held-out set, written
/// as a report (`ProtocolReport`) into `out`.
public struct ReconstructionEvaluationJob {
    public var setup: ProtocolSetup
    public var out: URL
    /// The command line, for the report's header.
    public var command = ""
    public var quiet = false

    public init(setup: ProtocolSetup, out: URL) {
        self.setup = setup
        self.out = out
    }

    public func run() throws -> (results: ProtocolResults, written: [URL]) {
        let (methods, set, metrics) = try setup.load()
        var job = ReconstructionProtocol(methods: methods, set: set, metrics: metrics)
        job.quiet = quiet
        let (results, images) = try job.run()
        let shown = min(8, set.count)
        var report = ProtocolReport(name: "reconstruction", results: results,
                                    charted: ["PSNR", "SSIM", "MS-SSIM", "LPIPS", "ID", "face PSNR", "FID", "FD(classifier)"],
                                    sheets: [("reconstructions (first repeat)", images.map { ($0.0, $0.1[0..<shown]) })])
        report.header = setup.header(methods, command: command)
        return (results, try report.write(to: out))
    }
}
