import FaceLandmarks
import Foundation
import Torch

/// What `gradstyle serve` was asked for, as values (the CLI maps its flags onto these).
public struct ServeOptions {
    /// A GradStyle bundle.
    public var model: URL
    /// More model files beside the bundle: an HFGI checkpoint adds the `hfgi` method.
    public var extraModels: [URL] = []
    /// Direction files (default: `directions/` beside the bundle).
    public var directions: URL?
    /// An IPv4 or IPv6 address to listen on; loopback unless told otherwise.
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port: UInt16 = 8080
    /// The largest upload body accepted; the pixel limit is `ImageLimits.maxPixels` (--max-pixels).
    public var maxUploadBytes = 20 << 20
    /// Uploads held at once; the oldest is dropped beyond this.
    public var maxUploads = 16
    /// Held-out faces offered on the page (the demo's).
    public var heldOutFaces = 8
    public var predictorPath = FaceLandmarkDetector.defaultPredictorPath
    public var device: Device = .cpu

    public init(model: URL) {
        self.model = model
    }
}
