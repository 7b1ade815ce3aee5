// Encoding and writing one batch of a render's images: each image upscaled and encoded with its
// provenance, then the batch written atomically in one call (two flushes for the whole batch), on
// one thread or with the encodes split over two. Called from the render thread and the writer
// thread at once only in `encodeAndWrite(_:sharingWith:)`, whose halves touch disjoint images.
// Invariant: the writer's half is always waited for before this returns or throws.
import Foundation
import Imaging
import Spool
import Vocabulary

final class ImageWriting<Output: RenderOutput>: @unchecked Sendable {
    // @unchecked: `plan`, `output` and `limits` are only read; the CPU counters are behind `lock`.
    let plan: RenderPlan
    let output: Output
    let limits: RenderLimits
    private let lock = NSLock()
    private var encodeCPU = 0.0
    private var writeCPU = 0.0

    init(renderer: Renderer, plan: RenderPlan, output: Output) {
        (self.plan, self.output, self.limits) = (plan, output, renderer.limits)
    }

    /// Thread CPU seconds spent so far in encodes and in file writes, over every thread.
    var cpuSeconds: (encode: Double, write: Double) { lock.withLock { (encodeCPU, writeCPU) } }

    /// Encodes `images` and writes them, all on the calling thread.
    func encodeAndWrite(_ images: [(Raster, PlannedImage)]) throws {
        try write(try encode(images[...]))
    }

    /// Encodes the first half of `images` on the calling thread while `writer` encodes the second,
    /// then writes them all from the calling thread. A failure is reported for the first image (in
    /// request order) that failed.
    func encodeAndWrite(_ images: [(Raster, PlannedImage)], sharingWith writer: BackgroundWriter) throws {
        guard images.count > 1 else { return try encodeAndWrite(images) }
        let split = images.count / 2
        let theirs = EncodedFiles()
        writer.start { theirs.files = try self.encode(images[split...]) }
        let mine = Result { try encode(images[..<split]) }
        let waited = Result { try writer.wait() }
        var files = try mine.get()
        _ = try waited.get()
        files += theirs.files
        try write(files)
    }

    /// The file bytes of one image: upscaled, encoded, with its metadata.
    func encode(_ raster: Raster, _ image: PlannedImage) throws -> [UInt8] {
        let request = plan.request
        let scaled = try raster.upscaled(
            by: request.scale, configuration: UpscaleConfiguration(kernel: request.upscale, maximumFactor: limits.maximumScale))
        return try ImageEncoder.encode(scaled, as: request.encoding, metadata: try plan.metadata(for: image))
    }

    private func encode(_ images: ArraySlice<(Raster, PlannedImage)>) throws -> [(name: String, bytes: [UInt8])] {
        let started = ThreadClock.cpuSeconds()
        defer { add(encode: ThreadClock.cpuSeconds() - started) }
        return try images.map { raster, image in
            do { return (name: image.file, bytes: try encode(raster, image)) } catch {
                throw RenderError.writeFailed(path: output.location + "/" + image.file, reason: Reason(cause: error))
            }
        }
    }

    private func write(_ files: [(name: String, bytes: [UInt8])]) throws {
        let started = ThreadClock.cpuSeconds()
        defer { add(write: ThreadClock.cpuSeconds() - started) }
        do { try output.write(batch: files) } catch let error as SpoolError where error.isDiskFull {
            throw error  // transient: the daemon requeues the job and keeps what was written
        } catch {
            throw RenderError.writeFailed(path: output.location, reason: Reason(cause: error))
        }
    }

    private func add(encode: Double = 0, write: Double = 0) {
        lock.withLock {
            encodeCPU += encode
            writeCPU += write
        }
    }
}

/// The writer thread's half of a batch, read by the render thread after it waited for the writer.
private final class EncodedFiles: @unchecked Sendable {
    var files: [(name: String, bytes: [UInt8])] = []
}
