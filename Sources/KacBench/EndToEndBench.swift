// The end-to-end rows of `kac-bench network`: a zoo model rendered to PNG files exactly as `kac render`
// renders them (sampling, quantising, encoding through libvips, atomic writes into a fresh
// directory each repetition) beside the same model's network alone at the render's network batch,
// and the fraction of the network's rate the whole path keeps. Both are timed in this process after
// a warm-up render, so start-up and model loading are not in either figure (bench/performance-page.sh
// times whole `kac render` processes). CPU time per image is printed beside the wall clock: what
// the render spends outside the network is the difference, steady on a shared machine, and a
// second table splits it by stage (prior draw, encodes on the render's threads, libvips' own
// pipeline threads, file writes, the rest) for each `RenderSchedule` measured.
import Foundation
import Generation
import KacFlow
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
    /// Schedules measured; the first table shows `Renderer.defaultSchedule` (or the first given).
    public var schedules: [RenderSchedule]

    public init(
        store: ModelStore, model: String, count: Int, batchSize: Int, precisions: [Precision], repetitions: Int,
        scratchParent: String = NSTemporaryDirectory(), schedules: [RenderSchedule] = RenderSchedule.allCases
    ) {
        (self.store, self.model, self.count, self.batchSize) = (store, model, count, batchSize)
        (self.precisions, self.repetitions, self.scratchParent) = (precisions, repetitions, scratchParent)
        self.schedules = schedules.isEmpty ? [Renderer.defaultSchedule] : schedules
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
        /// How the render's writes were scheduled.
        public var schedule: RenderSchedule = Renderer.defaultSchedule
        /// CPU milliseconds per image outside the network, by stage: the prior draw (timed alone),
        /// encodes on the render's own threads, libvips' pipeline threads, file writes.
        public var priorCPU = 0.0, encodeCPU = 0.0, libvipsCPU = 0.0, writeCPU = 0.0
        /// The whole render's CPU per image beyond the network's.
        public var outsideCPU: Double { endToEndCPU - networkCPU }
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
        let shown = schedules.contains(Renderer.defaultSchedule) ? Renderer.defaultSchedule : schedules[0]
        var rows: [Row] = []
        for precision in precisions {
            let measured = try measure(try loaded.inPrecision(precision), passes: passes, scratch: scratch)
            rows += measured
            guard let row = measured.first(where: { $0.schedule == shown }) else { continue }
            say(
                String(
                    format: "%-9@  %13.1f  %16.1f  %17.1f%%  %21.3f  %12.3f  %19.3f  %10.1f%%", precision.rawValue, row.networkRate,
                    row.endToEndRate, 100 * row.fraction, row.networkCPU, row.endToEndCPU, row.outsideCPU,
                    100 * row.networkCPU / row.endToEndCPU))
        }
        say("end-to-end/network is wall clock; \"by CPU time\" is the network's share of the render's CPU time, steadier on a busy machine.")
        say("rows above: schedule \(shown.rawValue). CPU ms/image outside the network by stage, per schedule (thread CPU time):")
        say("schedule/precision    end-to-end img/s  end-to-end/network  outside  prior draw  encode  libvips threads  file writes  rest")
        for row in rows {
            let rest = row.outsideCPU - row.priorCPU - row.encodeCPU - row.libvipsCPU - row.writeCPU
            say(
                String(
                    format: "%-20@  %16.1f  %17.1f%%  %7.3f  %10.3f  %6.3f  %15.3f  %11.3f  %5.3f", "\(row.schedule.rawValue)/\(row.precision.rawValue)",
                    row.endToEndRate, 100 * row.fraction, row.outsideCPU, row.priorCPU, row.encodeCPU, row.libvipsCPU, row.writeCPU, rest))
        }
        say(
            "overlapped: batch k is encoded and written on one writer thread while k + 1 samples; sequential: k is encoded on two "
                + "threads and written before k + 1 samples. \"encode\" is the render's own threads (upscale, metadata, libvips' save as "
                + "its caller sees it), \"libvips threads\" libvips' pipeline workers, \"rest\" quantising, copies, scheduling and any "
                + "slowdown the network suffers from sharing the CPUs.")
    }

    /// The network alone at its call batch, then whole renders of `count` images under each
    /// schedule, each into a directory of its own.
    func measure(_ model: ZooVelocityModel, passes: Int, scratch: String) throws -> [Row] {
        var round = 0
        func render(count: Int, schedule: RenderSchedule) throws -> RenderReport {
            round += 1
            let renderer = Renderer(model: model, batchSize: batchSize, schedule: schedule)
            let directory = scratch + "/\(model.precision.rawValue)-\(schedule.rawValue)-\(round)"
            try OutputDirectory.prepare(directory)
            return try renderer.render(try renderer.plan(RenderRequest(count: count, seed: UInt64(round))), into: directory)
        }
        _ = try render(count: batchSize, schedule: schedules[0])  // warm-up: oneDNN primitives, libvips, allocator
        let batch = Generator.slotCount * passes
        let (x, times, labels) = Self.networkInputs(batch: batch, shape: model.architecture.sampleShape, classCount: model.architecture.classCount)
        let network = model.network
        let guidance: [Float]? = network.hasGuidanceInput ? Array(repeating: Float(model.defaults.guidance), count: batch) : nil
        let alone = BenchClock.best(of: repetitions) { _ = network.velocity(x, times: times, labels: labels, guidance: guidance) }
        let prior = Self.priorCPUPerImage(model)
        // The network is called with `batch` images per `Generator.slotCount` rendered ones.
        let perImage = Double(passes) / Double(batch)
        let base = Row(
            precision: model.precision, networkRate: 1 / (alone.wall * perImage * Double(model.defaults.steps)),
            networkCPU: 1000 * alone.cpu * perImage * Double(model.defaults.steps), endToEndRate: 0, endToEndCPU: 0)
        var best = Dictionary(uniqueKeysWithValues: schedules.map { ($0, (wall: Double.infinity, row: base)) })
        // Schedules alternate within each repetition, so a busy spell on the machine hits both.
        for _ in 0..<max(repetitions, 1) {
            for schedule in schedules {
                let (start, startCPU, startLibvips) = (BenchClock.now(), BenchClock.processCPUSeconds(), LibvipsThreads.cpuSeconds())
                let report = try render(count: count, schedule: schedule)
                guard report.rendered == count else {
                    throw BenchError.invalidSetting("the end-to-end render wrote \(report.rendered) of \(count) files")
                }
                let (wall, cpu, libvips) = (BenchClock.now() - start, BenchClock.processCPUSeconds() - startCPU, LibvipsThreads.cpuSeconds() - startLibvips)
                guard let previous = best[schedule], wall < previous.wall else { continue }
                var row = base
                let milliseconds = { (seconds: Double) in 1000 * seconds / Double(count) }
                (row.schedule, row.endToEndRate, row.endToEndCPU) = (schedule, Double(count) / wall, milliseconds(cpu))
                (row.priorCPU, row.libvipsCPU) = (prior, milliseconds(libvips))
                (row.encodeCPU, row.writeCPU) = (milliseconds(report.timings.encodeCPUSeconds), milliseconds(report.timings.writeCPUSeconds))
                best[schedule] = (wall, row)
            }
        }
        return schedules.compactMap { best[$0]?.row }
    }

    /// Process CPU milliseconds per image of the prior draw alone, at the renderer's slot batch.
    static func priorCPUPerImage(_ model: ZooVelocityModel) -> Double {
        let path = model.generator.path, shape = [Generator.slotCount] + model.architecture.sampleShape
        let calls = 20
        _ = path.prior(shape: shape, seed: 1, index: 0)
        let start = BenchClock.processCPUSeconds()
        for call in 0..<calls { _ = path.prior(shape: shape, seed: 1, index: call * Generator.slotCount) }
        return 1000 * (BenchClock.processCPUSeconds() - start) / Double(calls * Generator.slotCount)
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
