// Rendering in bf16: files byte-identical at batch sizes 1, 16 and 64 (with and without guidance),
// and the precision recorded in the report (result.json), in every image's metadata, in the grid's
// and in the fingerprint (so fp32 files are never kept for a bf16 request or the other way round).
import Foundation
import Generation
import Imaging
import ModelStore
import RenderService
import TestSupport
import Testing
import Vocabulary

@Suite struct RendererPrecisionTests {
    static func renderer(_ zoo: TemporaryDirectory, batchSize: Int, precision: Precision) throws -> Renderer {
        let store = try ModelStore(root: zoo.path, create: false)
        let model = try ZooVelocityModel.load("fashion-mnist/teacher", from: store).inPrecision(precision)
        return Renderer(model: model, batchSize: batchSize)
    }

    @Test(.enabled(if: ZooVelocityModel.bf16Available, "this CPU lacks AVX512_BF16"), arguments: [1.0, 2.5])
    func bf16BatchSizeDoesNotChangeAByte(guidance: Double) throws {
        let zoo = TemporaryDirectory(prefix: "kac-render-zoo")
        try TinyModel.publish(into: zoo.path)
        try expectBatchSizeChangesNoByte(zoo, RenderRequest(count: 40, steps: 2, guidance: guidance, seed: 7), precision: .bf16)
    }

    /// The model cache's budget sees bf16 copies: a model's weight bytes grow once it is asked for in
    /// bf16 (by at least 2 bytes per convolution and projection weight), and grow no more on a second ask.
    @Test(.enabled(if: ZooVelocityModel.bf16Available, "this CPU lacks AVX512_BF16"))
    func bf16CopiesCountInTheWeightBytes() throws {
        let zoo = TemporaryDirectory(prefix: "kac-render-zoo")
        try TinyModel.publish(into: zoo.path)
        let store = try ModelStore(root: zoo.path, create: false)
        let model = try ZooVelocityModel.load("fashion-mnist/teacher", from: store)
        let fp32 = model.weightBytes
        #expect(fp32 == model.network.parameters.scalarCount * 4)
        let bf16 = try model.inPrecision(.bf16)
        let out = TemporaryDirectory(prefix: "kac-render-out")
        let renderer = Renderer(model: bf16, batchSize: 16)
        _ = try renderer.render(try renderer.plan(RenderRequest(count: 2, steps: 1, seed: 1)), into: out.path)
        let grown = model.weightBytes
        #expect(grown > fp32 + model.network.parameters.scalarCount, "\(fp32) -> \(grown)")
        #expect(bf16.weightBytes == grown)
        _ = try model.inPrecision(.bf16)
        #expect(model.weightBytes == grown)
    }

    @Test func precisionIsRecordedInReportMetadataAndFingerprint() throws {
        let zoo = TemporaryDirectory(prefix: "kac-render-zoo")
        try TinyModel.publish(into: zoo.path)
        var precisions: [Precision] = [.fp32]
        if ZooVelocityModel.bf16Available { precisions.append(.bf16) }
        var fingerprints: Set<String> = []
        for precision in precisions {
            let out = TemporaryDirectory(prefix: "kac-render-out")
            let renderer = try Self.renderer(zoo, batchSize: 16, precision: precision)
            let plan = try renderer.plan(RenderRequest(count: 3, steps: 2, seed: 1, grid: true))
            #expect(plan.precision == precision)
            #expect(plan.fingerprint.contains(" precision=\(precision.rawValue) "), "\(plan.fingerprint)")
            fingerprints.insert(plan.fingerprint)
            let report = try renderer.render(plan, into: out.path)
            #expect(report.precision == precision)
            let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            #expect(json.contains("\"precision\":\"\(precision.rawValue)\""), "\(json)")
            for file in report.images.map(\.file) + ["grid.png"] {
                let metadata = try ImageReader.info(path: out.path + "/" + file).metadata
                #expect(metadata["precision"] == precision.rawValue, "\(file): \(metadata)")
                #expect(metadata.entries.last?.key == "software", "precision goes before software")
            }
        }
        #expect(fingerprints.count == precisions.count)
    }

    @Test func bf16IsRefusedOrFallsBackWhereTheCPULacksIt() throws {
        let available = ZooVelocityModel.bf16Available
        #expect(try ZooVelocityModel.resolve(.fp32) == .fp32)
        #expect(try ZooVelocityModel.resolve(.auto) == (available ? .bf16 : .fp32))
        if available {
            #expect(try ZooVelocityModel.resolve(.bf16) == .bf16)
        } else {
            #expect(throws: PrecisionUnavailable.self) { try ZooVelocityModel.resolve(.bf16) }
        }
    }
}
