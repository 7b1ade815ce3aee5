// The figure in docs/training.md ("What it costs"), measured only when KAC_FIGURES=1 (printed, never asserted):
// what rendering costs per image size and colour. Randomly initialised §8-shaped teachers (width
// 32, multipliers 1, 2, 2, attention at a quarter of the image side) — grey 28×28 as Fashion-MNIST's,
// RGB 32×32 and 64×64 — each render 32 images at 1 unguided Euler step into PNG files through the
// same Renderer kacd uses; images/s and the ratio to grey 28×28 are printed.
import Foundation
import Generation
import KacFlow
import ModelStore
import NeuralNet
import RenderService
import TensorCore
import TestSupport
import Testing
import Vocabulary

@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["KAC_FIGURES"] != nil))
struct ImageSizeFiguresTests {
    @Test func renderCostPerImageSize() throws {
        let root = TemporaryDirectory(prefix: "kac-size-figures")
        let store = try ModelStore(root: root.file("zoo"), create: true)
        let shapes: [(name: String, side: Int, channels: Int)] = [("grey-28", 28, 1), ("rgb-32", 32, 3), ("rgb-64", 64, 3)]
        var rates: [Double] = []
        for (name, side, channels) in shapes {
            let configuration = UNetConfiguration(
                imageHeight: side, imageWidth: side, imageChannels: channels, baseWidth: 32, widthMultipliers: [1, 2, 2],
                residualBlocksPerLevel: 1, attentionResolutions: [side / 4], attentionHeads: 4, groupCount: 8, classCount: 10)
            var random = RandomSource(seed: 1)
            let architecture = NetworkArchitecture.unet(configuration)
            let network = architecture.makeNetwork(random: &random)
            try VelocityModelPublication(
                name: "sizes/\(name)", kind: .teacher, weights: network.parameters, architecture: architecture,
                path: KacPath.Configuration(), defaults: SamplingSettings(integrator: .euler, steps: 1, guidance: 1),
                dataset: DatasetReference(name: "sizes")
            )
            .publish(to: store, dtype: .f16, tags: [])
            let renderer = Renderer(model: try ZooVelocityModel.load("sizes/\(name)", from: store), batchSize: 16)
            // One warm-up batch, then the measured request.
            for (run, count) in [(0, 16), (1, 32)] {
                let out = root.file("\(name)-\(run)")
                try OutputDirectory.prepare(out)
                let report = try renderer.render(try renderer.plan(RenderRequest(count: count, steps: 1, guidance: 1, seed: 1)), into: out)
                if run == 1 { rates.append(report.imagesPerSecond) }
            }
            let parameters = network.parameters.scalarCount
            print(
                "render \(name) (\(side)×\(side)×\(channels), \(parameters) parameters): "
                    + String(format: "%.1f images/s, %.2f× grey 28×28", rates.last ?? 0, (rates.last ?? 0) / rates[0]))
        }
        #expect(rates.count == shapes.count)
    }
}
