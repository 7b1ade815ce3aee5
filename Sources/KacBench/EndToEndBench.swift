// The end-to-end rows of `kac-bench network`: a zoo model rendered to PNG files exactly as `kac render`
// renders them (sampling, quantising, encoding through libvips, atomic writes into a fresh
// directory each repetition) beside the same model's network alone at the render's network batch,
// and the fraction of the network's rate the whole path keeps. Both are timed in this process after
// a warm-up render, so start-up and model loading are not in either figure (bench/performance-page.sh
// times whole `kac render` processes). CPU time per image is printed beside the wall clock: what
// the render spends outside the network is the difference, steady on a shared machine.
import Foundation
import Generation
import ModelStore
import RenderService
import TensorCore
import Vocabulary

public struct EndToEndBench {
    /// The store `model` is resolved in.
    public var store: ModelStore
    /// Zoo reference of the rendered model (its own steps and guidance are used).
    public var model: String
    /// PNG files per timed render.
    public var count: Int
    /// Images per sampler batch (`kac render --batch-size`).
    public var batchSize: Int
    /// Precisions to measure; the caller leaves out any the CPU cannot run.
    public var precisions: [Precision]
    /// Timed renders (and network timings) per precision; the best is reported.
    public var repetitions: Int
    /// Where the rendered files go (a directory of this process's own inside it, removed at the end).
    public var scratchParent: String

    public init(
        store: ModelStore, model: String, count: Int, batchSize: Int, precisions: [Precision], repetitions: Int,
        scratchParent: String = NSTemporaryDirectory()
    ) {
        (self.store, self.model, self.count, self.batchSize) = (store, model, count, batchSize)
        (self.precisions, self.repetitions, self.scratchParent) = (precisions, repetitions, scratchParent)
    }

    /// One row's figures.
    public struct Row: Sendable {
        public var precision: Precision
        /// Images per second of the network alone, and its process CPU milliseconds per image.
        public var networkRate: Double, networkCPU: Double
        /// Images per second of the whole render, and its process CPU milliseconds per image.
        public var endToEndRate: Double, endToEndCPU: Double
        /// End-to-end rate over the network-only rate.
        public var fraction: Double { endToEndRate / networkRate }
    }

    public func run(_ say: (String) -> Void) throws {
        guard count >= 1, batchSize >= 1 else { throw BenchError.invalidSetting("--end-to-end-count and --batch-size must be at least 1") }
        let loaded = try ZooVelocityModel.load(model, from: store)
        let settings = loaded.defaults
        let passes = loaded.generator.passesPerEvaluation(guidance: settings.guidance)
        say(
            "end to end: \(loaded.label) (\(settings.integrator.rawValue), \(settings.steps) step\(settings.steps == 1 ? "" : "s"), "
                + "guidance \(settings.guidance)), \(count) PNGs into a fresh directory, --batch-size \(batchSize); "
                + "network alone at its call batch \(Generator.slotCount * passes); best of \(max(repetitions, 1)) after a warm-up")
        say("precision  network img/s  end-to-end img/s  end-to-end/network  CPU ms/image: network  whole render  outside the network  by CPU time")
        let scratch = scratchParent + "/kac-bench-end-to-end-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for precision in precisions {
            let row = try measure(try loaded.inPrecision(precision), passes: passes, scratch: scratch)
            say(
                String(
                    format: "%-9@  %13.1f  %16.1f  %17.1f%%  %21.3f  %12.3f  %19.3f  %10.1f%%", precision.rawValue, row.networkRate,
                    row.endToEndRate, 100 * row.fraction, row.networkCPU, row.endToEndCPU, row.endToEndCPU - row.networkCPU,
                    100 * row.networkCPU / row.endToEndCPU))
        }
        say("end-to-end/network is wall clock; \"by CPU time\" is the network's share of the render's CPU time, steadier on a busy machine.")
    }

    /// The network alone at its call batch, then whole renders of `count` images, each into a directory of its own.
    func measure(_ model: ZooVelocityModel, passes: Int, scratch: String) throws -> Row {
        let renderer = Renderer(model: model, batchSize: batchSize)
        var round = 0
        func render(count: Int) throws -> RenderReport {
            round += 1
            let directory = scratch + "/\(model.precision.rawValue)-\(round)"
            try OutputDirectory.prepare(directory)
            return try renderer.render(try renderer.plan(RenderRequest(count: count, seed: UInt64(round))), into: directory)
        }
        _ = try render(count: batchSize)  // warm-up: oneDNN primitives, libvips, allocator
        let batch = Generator.slotCount * passes
        let (x, times, labels) = Self.networkInputs(batch: batch, shape: model.architecture.sampleShape, classCount: model.architecture.classCount)
        let network = model.network
        let guidance: [Float]? = network.hasGuidanceInput ? Array(repeating: Float(model.defaults.guidance), count: batch) : nil
        let alone = BenchClock.best(of: repetitions) { _ = network.velocity(x, times: times, labels: labels, guidance: guidance) }
        var whole = (wall: Double.infinity, cpu: Double.infinity)
        for _ in 0..<max(repetitions, 1) {
            let (start, startCPU) = (BenchClock.now(), BenchClock.processCPUSeconds())
            let report = try render(count: count)
            guard report.rendered == count else {
                throw BenchError.invalidSetting("the end-to-end render wrote \(report.rendered) of \(count) files")
            }
            whole.wall = min(whole.wall, BenchClock.now() - start)
            whole.cpu = min(whole.cpu, BenchClock.processCPUSeconds() - startCPU)
        }
        // The network is called with `batch` images per `Generator.slotCount` rendered ones.
        let perImage = Double(passes) / Double(batch)
        return Row(
            precision: model.precision, networkRate: 1 / (alone.wall * perImage * Double(model.defaults.steps)),
            networkCPU: 1000 * alone.cpu * perImage * Double(model.defaults.steps),
            endToEndRate: Double(count) / whole.wall, endToEndCPU: 1000 * whole.cpu / Double(count))
    }

    /// A seeded call batch: x ~ N(0, 1), times ~ U[0, 1), labels over the classes.
    static func networkInputs(batch: Int, shape: [Int], classCount: Int) -> (Tensor, [Float], [Int]) {
        var random = RandomSource(seed: 11)
        let count = batch * shape.reduce(1, *)
        let x = Tensor(shape: [batch] + shape, scalars: (0..<count).map { _ in Float(random.normal()) })
        let times = (0..<batch).map { _ in Float(random.uniform()) }
        let labels = (0..<batch).map { _ in random.index(below: classCount) }
        return (x, times, labels)
    }
}
