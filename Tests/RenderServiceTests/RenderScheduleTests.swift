// How a render's writes interleave with sampling: both schedules write the same bytes; progress
// hooks run in batch order, only once every file they count is complete on disk, even with two
// batches in flight; a failed batch write stops the render with `writeFailed`, leaves no
// temporaries and nothing is written after the render has thrown.
import Foundation
import Generation
import Imaging
import ModelStore
import RenderService
import TestSupport
import Testing
import Vocabulary

@Suite struct RenderScheduleTests {
    static func renderer(_ zoo: TemporaryDirectory, schedule: RenderSchedule) throws -> Renderer {
        let store = try ModelStore(root: zoo.path, create: false)
        return Renderer(model: try ZooVelocityModel.load("fashion-mnist/teacher", from: store), batchSize: 4, schedule: schedule)
    }

    @Test func bothSchedulesWriteTheSameBytes() throws {
        let zoo = TemporaryDirectory(prefix: "kac-schedule-zoo")
        try TinyModel.publish(into: zoo.path)
        var outputs: [[String: [UInt8]]] = []
        for schedule in RenderSchedule.allCases {
            let out = TemporaryDirectory(prefix: "kac-schedule-out")
            let renderer = try Self.renderer(zoo, schedule: schedule)
            // 22 images in batches of 4: five full batches and a last one of two (one image per writer half).
            let report = try renderer.render(try renderer.plan(RenderRequest(count: 22, steps: 1, seed: 5)), into: out.path)
            #expect(report.rendered == 22 && report.timings.encodeCPUSeconds > 0 && report.timings.writeCPUSeconds > 0)
            let files = names(in: out.path).filter { !$0.hasPrefix(".") }
            #expect(files.count == 22 && !names(in: out.path).contains { $0.hasPrefix(".tmp") }, "\(schedule): \(names(in: out.path))")
            outputs.append(Dictionary(uniqueKeysWithValues: files.map { ($0, bytes(out.path + "/" + $0)) }))
        }
        #expect(outputs[0] == outputs[1])
        #expect(Set(outputs[0].values).count == 22, "the images differ from each other")
    }

    @Test(arguments: RenderSchedule.allCases)
    func progressHooksRunInOrderOnceTheirFilesAreComplete(schedule: RenderSchedule) throws {
        let zoo = TemporaryDirectory(prefix: "kac-schedule-zoo")
        try TinyModel.publish(into: zoo.path)
        let out = TemporaryDirectory(prefix: "kac-schedule-out")
        let renderer = try Self.renderer(zoo, schedule: schedule)
        let plan = try renderer.plan(RenderRequest(count: 22, steps: 1, seed: 5))
        var finished: [Int] = [], started: [Int] = []
        let control = RenderControl(
            beforeBatch: { done, _ in started.append(done) },
            afterBatch: { done, total in
                #expect(total == 22)
                finished.append(done)
                // Every image the hook counts is on disk under its final name and decodes whole.
                for image in plan.images.prefix(done) {
                    let info = try ImageReader.info(path: out.path + "/" + image.file)
                    #expect(info.width == 28 && info.metadata["index"] == String(image.index))
                }
            })
        _ = try renderer.render(plan, into: out.path, control: control)
        #expect(finished == [4, 8, 12, 16, 20, 22])
        #expect(started.count == 6 && started == started.sorted() && started.allSatisfy { $0 <= 20 })
    }

    @Test(arguments: RenderSchedule.allCases)
    func aFailedBatchWriteStopsTheRenderAndNothingIsWrittenAfter(schedule: RenderSchedule) throws {
        let zoo = TemporaryDirectory(prefix: "kac-schedule-zoo")
        try TinyModel.publish(into: zoo.path)
        let out = TemporaryDirectory(prefix: "kac-schedule-out")
        let renderer = try Self.renderer(zoo, schedule: schedule)
        let output = FailingOutput(directory: out.path, failingBatch: 3)
        #expect {
            _ = try renderer.render(try renderer.plan(RenderRequest(count: 40, steps: 1, seed: 5)), to: output)
        } throws: { error in
            guard case RenderError.writeFailed(let path, _) = error else { return false }
            return path == out.path
        }
        let afterThrow = names(in: out.path)
        Thread.sleep(forTimeInterval: 0.2)
        #expect(names(in: out.path) == afterThrow, "nothing is written once the render has thrown")
        #expect(!afterThrow.contains { $0.hasPrefix(".tmp") }, "\(afterThrow)")
        // Batches 1 and 2 are complete; batch 3 failed before writing; batch 4 (in flight beside
        // it under the overlapped schedule) may be complete too, but never partly there.
        let images = afterThrow.filter { $0.hasSuffix(".png") }
        #expect(images.count == 8 || (schedule == .overlapped && images.count == 12), "\(images)")
        for name in images { #expect(try ImageReader.info(path: out.path + "/" + name).width == 28) }
    }
}

/// A directory whose `failingBatch`-th batch write (counting from 1) fails before writing anything.
private final class FailingOutput: RenderOutput, @unchecked Sendable {
    // @unchecked: `batches` is only touched under `lock`.
    let base: PathOutput
    let failingBatch: Int
    private let lock = NSLock()
    private var batches = 0

    init(directory: String, failingBatch: Int) {
        (base, self.failingBatch) = (PathOutput(directory), failingBatch)
    }

    var location: String { base.location }
    var removesUnplannedFiles: Bool { false }
    func entryNames() throws -> [String] { try base.entryNames() }
    func isRegularFile(_ name: String) -> Bool { base.isRegularFile(name) }
    func isDirectory(_ name: String) -> Bool { base.isDirectory(name) }
    func readSmallFile(_ name: String) -> [UInt8]? { base.readSmallFile(name) }
    func write(_ bytes: [UInt8], name: String) throws { try base.write(bytes, name: name) }
    func remove(_ name: String) throws { try base.remove(name) }
    func write(batch files: [(name: String, bytes: [UInt8])]) throws {
        let number = lock.withLock {
            batches += 1
            return batches
        }
        guard number != failingBatch else { throw POSIXError(.EIO) }
        try base.write(batch: files)
    }
}
