import Foundation
import ImageIO
import Pipelines
import Torch

/// An image the page can edit: a held-out face or an upload, known by a server-made id.
public struct EditorImage {
    public var id: String
    /// What the page shows as its name (a held-out face's name, or "upload N").
    public var label: String
    /// 1×3×S×S in [-1, 1] at the encoder's input size.
    public var input: Tensor
    /// The face as the page's "before" view, PNG at the generator's size.
    public var beforePNG: Data
    /// Set for uploads aligned on arrival: the photo and where the face crop came from, to paste results back.
    public var alignedFrom: (photo: URL, transform: FaceTransform)?
    /// What was done to the upload (cropped, resized, aligned).
    public var notes: [String] = []
    /// The upload's files in the server's folder, deleted when it is evicted.
    public var files: [URL] = []
}

/// The images the server holds, by id. Uploads beyond `maxUploads` evict the oldest upload (and its files).
/// Read from HTTP handlers and written from the worker, so guarded by a lock.
public final class EditorImages: @unchecked Sendable {
    private let lock = NSLock()
    private var images: [String: EditorImage] = [:]
    private var order: [String] = []
    private var uploads: [String] = []
    private var nextUpload = 0
    public let maxUploads: Int

    public init(maxUploads: Int) {
        self.maxUploads = maxUploads
    }

    public subscript(id: String) -> EditorImage? {
        lock.lock()
        defer { lock.unlock() }
        return images[id]
    }

    /// Every image in the order added.
    public var all: [EditorImage] {
        lock.lock()
        defer { lock.unlock() }
        return order.compactMap { images[$0] }
    }

    public func addHeldOut(_ image: EditorImage) {
        lock.lock()
        images[image.id] = image
        order.append(image.id)
        lock.unlock()
    }

    /// A fresh upload id ("upload1", "upload2", …).
    public func newUploadID() -> String {
        lock.lock()
        defer { lock.unlock() }
        nextUpload += 1
        return "upload\(nextUpload)"
    }

    /// Adds an upload; returns the evicted ones (their files and cached inversions are the caller's to drop).
    public func addUpload(_ image: EditorImage) -> [EditorImage] {
        lock.lock()
        defer { lock.unlock() }
        images[image.id] = image
        order.append(image.id)
        uploads.append(image.id)
        var evicted: [EditorImage] = []
        while uploads.count > maxUploads {
            let old = uploads.removeFirst()
            if let e = images.removeValue(forKey: old) { evicted.append(e) }
            order.removeAll { $0 == old }
        }
        return evicted
    }
}
