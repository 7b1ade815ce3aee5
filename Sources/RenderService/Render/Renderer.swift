// The rendering core shared by `kac render` and `kacd`: generate images in batches, write each one
// atomically with provenance metadata through a `RenderOutput`, keep files a previous run of the
// same plan already wrote (a spool job's directory is first cleared of every other file), and
// finish with an optional contact sheet. Image i depends only on (model digest, seed, i, label,
// sampler settings): the generator places image i in slot i % 16 of every network call (checked
// byte-for-byte at batch sizes 1, 16 and 64 by the tests), except rk45, whose adaptive step size
// is chosen from the whole batch's error — rk45 therefore renders one image per batch.
import Foundation
import Generation
import Imaging
import ModelStore
import Spool
import Vocabulary

/// Hooks the caller uses to watch and stop a render.
public struct RenderControl {
    /// Called before each batch with (images finished, total); throw to stop (cancel, shutdown).
    public var beforeBatch: (Int, Int) throws -> Void
    /// Called after each sampler step of a batch with (step, steps) (heartbeats, watchdog, progress
    /// within a batch); throw to stop before the next step (cancel): the batch's images are dropped.
    public var onStep: (Int, Int) throws -> Void
    /// Called after each batch's files are written with (images finished, total).
    public var afterBatch: (Int, Int) throws -> Void

    public init(
        beforeBatch: @escaping (Int, Int) throws -> Void = { _, _ in },
        onStep: @escaping (Int, Int) throws -> Void = { _, _ in },
        afterBatch: @escaping (Int, Int) throws -> Void = { _, _ in }
    ) {
        self.beforeBatch = beforeBatch
        self.onStep = onStep
        self.afterBatch = afterBatch
    }
}

/// When a batch's images are encoded and written, relative to sampling the next batch.
public enum RenderSchedule: String, Sendable, CaseIterable {
    /// Batch k is encoded and written on a writer thread while the next batches sample: the
    /// writes share the CPUs with the network.
    case overlapped
    /// Batch k is encoded on two threads (the render thread and the writer) and written before
    /// batch k + 1 samples: nothing runs beside the network.
    case sequential
}

public struct Renderer {
    public let model: ZooVelocityModel
    /// Images per generator call (classifier-free guidance doubles the network batch inside the generator).
    public var batchSize: Int
    public var limits: RenderLimits
    /// How encoding and writing interleave with sampling; the files are the same either way.
    public var schedule: RenderSchedule

    /// The schedule renders use unless told otherwise (`kac-bench network` measures both).
    public static let defaultSchedule = RenderSchedule.overlapped

    /// Batches being written at once under `.overlapped`. Two, because a batch's flush (syncfs,
    /// then the directory's fsync) waits on the disk for milliseconds, as long as sampling a batch
    /// takes: with one writer the next batch's encodes queued behind that wait and sampling stopped
    /// for them; with two, one batch flushes while the next encodes.
    static let batchesInFlight = 2

    public init(model: ZooVelocityModel, batchSize: Int = 16, limits: RenderLimits = .direct, schedule: RenderSchedule = Renderer.defaultSchedule) {
        self.model = model
        self.batchSize = max(1, batchSize)
        self.limits = limits
        self.schedule = schedule
    }

    /// Renders `plan` into `directory` (which must exist; see `OutputDirectory.prepare`).
    public func render(_ plan: RenderPlan, into directory: String, control: RenderControl = RenderControl()) throws -> RenderReport {
        try render(plan, to: PathOutput(directory), control: control)
    }

    /// Renders `plan` into `output`. Files of an earlier run of the same plan (same fingerprint)
    /// are kept; where `output.removesUnplannedFiles`, everything else is removed first, so the
    /// directory ends holding exactly this plan's files.
    public func render(_ plan: RenderPlan, to output: some RenderOutput, control: RenderControl = RenderControl()) throws -> RenderReport {
        let started = ContinuousClock.now
        let reusable = output.readSmallFile(RenderPlan.fingerprintFile) == Array((plan.fingerprint + "\n").utf8)
        if output.removesUnplannedFiles { try removeUnplannedFiles(plan, from: output, keepOutputs: reusable) }
        if !reusable { try write(Array((plan.fingerprint + "\n").utf8), name: RenderPlan.fingerprintFile, to: output) }
        let exists = { (name: String) in reusable && output.isRegularFile(name) }
        let missing = Set(plan.images.filter { !exists($0.file) }.map(\.index))
        // The grid is built from generated rasters, never from decoded files (lossy formats would
        // change it), so a missing grid regenerates every image in memory.
        let needGrid = plan.gridFile.map { !exists($0) } ?? false
        let toGenerate = plan.images.filter { needGrid || missing.contains($0.index) }
        var gridCells = [Raster?](repeating: nil, count: needGrid ? plan.images.count : 0)
        var timings = RenderTimings()
        var evaluations = 0
        var finished = plan.images.count - missing.count
        let size = plan.settings.integrator == .rk45 ? 1 : batchSize
        // Writer threads kept for the whole render. Overlapped: batch k is handed to writer k % 2
        // once it is sampled and written there while k + 1 and k + 2 sample; this thread waits for
        // k before handing over k + 2, and runs k's progress hook then, once its files are all on
        // disk, in batch order. Sequential: k is encoded here and on writer 0 at once, written, and
        // its hook run before k + 1 samples.
        let writers = (0..<Self.batchesInFlight).map { _ in BackgroundWriter() }
        defer { for writer in writers { writer.stop() } }
        let images = ImageWriting(renderer: self, plan: plan, output: output)
        var inFlight: [(writer: BackgroundWriter, count: Int)] = []  // oldest first
        let finishOldest = {
            let (writer, count) = inFlight.removeFirst()
            let waitStart = ContinuousClock.now
            timings.encodeSeconds += try writer.wait().seconds
            timings.encodeWaitSeconds += (ContinuousClock.now - waitStart).seconds
            guard count > 0 else { return }
            finished += count
            try control.afterBatch(finished, plan.images.count)
        }
        for (number, batch) in Self.batches(toGenerate, size: size).enumerated() {
            try control.beforeBatch(finished + inFlight.reduce(0) { $0 + $1.count }, plan.images.count)
            let generateStart = ContinuousClock.now
            let (samples, used) = try model.generator.generate(
                labels: batch.map(\.label), seed: plan.request.seed,
                firstIndex: batch[0].index, settings: plan.settings,
                onStep: control.onStep)
            timings.generateSeconds += (ContinuousClock.now - generateStart).seconds
            evaluations += used * batch.count
            var toWrite: [(Raster, PlannedImage)] = []
            for (offset, image) in batch.enumerated() {
                let raster = try SampleImages.raster(samples, index: offset)
                if needGrid { gridCells[image.index] = raster }
                if missing.contains(image.index) { toWrite.append((raster, image)) }
            }
            switch schedule {
            case .overlapped:
                if inFlight.count == writers.count { try finishOldest() }
                let writer = writers[number % writers.count]
                writer.start { try images.encodeAndWrite(toWrite) }
                inFlight.append((writer, toWrite.count))
            case .sequential:
                let writeStart = ContinuousClock.now
                try images.encodeAndWrite(toWrite, sharingWith: writers[0])
                timings.encodeSeconds += (ContinuousClock.now - writeStart).seconds
                timings.encodeWaitSeconds += (ContinuousClock.now - writeStart).seconds
                finished += toWrite.count
                if !toWrite.isEmpty { try control.afterBatch(finished, plan.images.count) }
            }
        }
        while !inFlight.isEmpty { try finishOldest() }
        (timings.encodeCPUSeconds, timings.writeCPUSeconds) = images.cpuSeconds
        if needGrid, let gridFile = plan.gridFile {
            let sheet = try RenderGrid.sheet(gridCells.compactMap { $0 }, plan: plan)
            try write(sheet, metadata: plan.gridMetadata, name: gridFile, to: output)
        }
        timings.totalSeconds = (ContinuousClock.now - started).seconds
        let records = plan.images.map {
            ImageRecord(
                file: $0.file, index: $0.index, seed: plan.request.seed, label: $0.label, className: $0.className,
                reused: !missing.contains($0.index))
        }
        var report = RenderReport(
            model: "\(plan.modelName)@\(plan.modelVersion)", modelDigest: plan.modelDigest,
            sampler: plan.settings.integrator, steps: plan.settings.steps, guidance: plan.settings.guidance,
            seed: plan.request.seed, precision: plan.precision, images: records, grid: plan.gridFile, rendered: missing.count,
            generated: toGenerate.count, networkEvaluations: evaluations, timings: timings)
        // What the files are: the model's classes and sample shape [H, W, C], upscaled by `scale`.
        let shape = model.architecture.sampleShape
        report.classNames = plan.classNames.names
        (report.height, report.width, report.channels) = (shape[0] * plan.request.scale, shape[1] * plan.request.scale, shape[2])
        return report
    }

    /// Runs of consecutive request indices, split into chunks of at most `size` that never cross a
    /// multiple of `size` (so with sizes that are multiples of `Generator.slotCount`, no network
    /// call is padded except at the ends of the request or of a gap left by a resume).
    static func batches(_ images: [PlannedImage], size: Int) -> [[PlannedImage]] {
        var result: [[PlannedImage]] = []
        for image in images {
            if let last = result.last?.last, last.index + 1 == image.index, image.index % size != 0,
                result[result.count - 1].count < size
            {
                result[result.count - 1].append(image)
            } else {
                result.append([image])
            }
        }
        return result
    }

    /// Removes every entry of `output` that is not a file of `plan` (all of them when the files
    /// belong to another plan): stale images of an earlier job, a result.json describing them,
    /// temporaries of interrupted writes, anything planted there. Subdirectories are left alone.
    func removeUnplannedFiles(_ plan: RenderPlan, from output: some RenderOutput, keepOutputs: Bool) throws {
        var keep: Set<String> = [RenderPlan.fingerprintFile]
        if keepOutputs { keep.formUnion(plan.images.map(\.file) + (plan.gridFile.map { [$0] } ?? [])) }
        let names: [String]
        do { names = try output.entryNames() } catch {
            throw RenderError.outputUnavailable(path: output.location, reason: Reason("cannot list it", cause: error))
        }
        for name in names where !keep.contains(name) {
            guard !output.isDirectory(name) else { continue }
            do { try output.remove(name) } catch {
                throw RenderError.writeFailed(
                    path: output.location + "/" + name, reason: Reason("cannot remove a file that is not part of this job", cause: error))
            }
        }
    }

    func write(_ raster: Raster, metadata: () throws -> ImageMetadata, name: String, to output: some RenderOutput) throws {
        do { try output.write(try ImageEncoder.encode(raster, as: .png(), metadata: try metadata()), name: name) } catch let error
            as SpoolError where error.isDiskFull
        {
            throw error
        } catch {
            throw RenderError.writeFailed(path: output.location + "/" + name, reason: Reason(cause: error))
        }
    }

    func write(_ bytes: [UInt8], name: String, to output: some RenderOutput) throws {
        do { try output.write(bytes, name: name) } catch let error as SpoolError where error.isDiskFull { throw error } catch {
            throw RenderError.writeFailed(path: output.location + "/" + name, reason: Reason(cause: error))
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
