// `kac render`: render images from a zoo model straight to files (RenderService's DirectRender checks
// everything before anything is written, then writes NNNN-<class>.<ext> and an optional grid.png).
// Re-running the same command keeps existing files (they would be byte-identical). Exit codes: 0 ok,
// 64 bad request, 66 model not found or unusable, 73 output directory unusable, 74 write error.
import ArgumentParser
import Foundation
import Imaging
import RenderService
import ToolSupport
import Training
import Vocabulary

#if canImport(Glibc)
import Glibc
#endif

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render images from a zoo model to PNG, JPEG, WebP or TIFF files.",
        discussion: "Labels are class indices or the model's class names (`kac zoo show MODEL` lists them; e.g. Fashion-MNIST's "
            + "t-shirt, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankle-boot); by default images cycle through "
            + "all classes. Image size and channels (grey or RGB), sampler, steps and guidance come from the model's manifest. "
            + "Exit codes: 64 bad request, "
            + "66 model unavailable, 73 output directory unusable, 74 write error.")

    @Option(help: "Zoo reference: name, name:tag, name@version or sha256-<hex>.") var model: String
    @Option(help: "Number of images.") var count: Int
    @Option(help: "Comma-separated labels, e.g. sneaker,bag,3 (default: all classes in turn).") var labels: String?
    @Option(help: "Sampler steps (default: the model's).") var steps: Int?
    @Option(help: "Integrator (default: the model's).") var sampler: Integrator?
    @Option(
        help:
            "Guidance scale s; 1 is unguided (default: the model's). Classifier-free (two passes per step), or the input of a guidance-conditioned student (one pass)."
    ) var guidance: Double?
    @Option(help: "Random seed; image i uses stream i of it.") var seed: UInt64 = 0
    @Option(help: "Image format (jpg and tif are accepted too).") var format: ImageFormat = .png
    @Option(name: .customLong("encode-quality"), help: "jpeg/webp quality 1-100 (the job key encodeQuality).") var quality: Int?
    /// The old spelling; `--quality` names a preset in `kac submit`, so here it is refused with the new name.
    @Option(name: .customLong("quality"), help: .hidden) var oldQuality: String?
    @Flag(help: "Lossless WebP.") var lossless = false
    @Option(help: "Integer upscale factor for every image.") var scale = 1
    @Option(help: "Upscaling filter.") var upscale: UpscaleFilter = .nearest
    @Flag(help: "Also write grid.png, a labelled contact sheet of all images.") var grid = false
    @Option(help: "Output directory (created if missing).") var out: String
    @OptionGroup var zoo: ZooLocation
    @Option(name: .customLong("batch-size"), help: "Images per sampler batch.") var batchSize = 16
    @Option(name: .customLong("max-count"), help: "Refuse requests for more images than this.") var maxCount = RenderLimits.direct
        .maximumCount
    @Option(name: .customLong("max-scale"), help: "Refuse upscale factors above this.") var maxScale = RenderLimits.direct.maximumScale
    @Flag(help: "Print the render report as JSON on standard output.") var json = false
    @Option(
        help:
            "Arithmetic of the network: fp32, bf16 (convolutions and attention projections in bf16 with fp32 sums; refused on CPUs without AVX512_BF16) or auto (bf16 where the CPU has it)."
    ) var precision: PrecisionSetting = .fp32

    @OptionGroup var threads: ThreadOptions

    func run() throws {
        threads.install()
        RenderProcess.tune()
        do {
            try render()
        } catch let error as RenderError {
            Console.problem("kac render", error)
            throw ExitCode(error.exitCode)
        }
    }

    private func render() throws {
        var progress: ProgressReporter?
        let report = try DirectRender(
            model: model, precision: precision, batchSize: batchSize, limits: RenderLimits(maximumCount: maxCount, maximumScale: maxScale),
            output: out
        ).run(
            try makeRequest(), openStore: { try zoo.open(create: false) }, log: Console.note,
            started: { progress = ProgressReporter(title: "render", total: $0, interactive: isatty(STDERR_FILENO) != 0) },
            afterBatch: { progress?.update(completed: $0) })
        progress?.finish(
            String(
                format: "%d written, %d kept, %.1f images/s", report.rendered, report.images.count - report.rendered, report.imagesPerSecond
            ))
        if json { return print(try Console.json(report), terminator: "") }
        for image in report.images { print(out + "/" + image.file) }
        if let grid = report.grid { print(out + "/" + grid) }
    }

    /// The options as a request; option-level mistakes are `invalidRequest` (exit 64).
    func makeRequest() throws(RenderError) -> RenderRequest {
        if oldQuality != nil {
            throw RenderError.invalidRequest(
                "kac render --quality is now --encode-quality (as in kac submit and the job key encodeQuality); "
                    + "--quality names a speed/quality preset in kac submit")
        }
        if quality != nil, !format.hasQualitySetting {
            throw RenderError.invalidRequest("--encode-quality applies only to jpeg and webp, not \(format.rawValue)")
        }
        if lossless, format != .webp {
            throw RenderError.invalidRequest(
                "--lossless applies only to webp (\(format.rawValue) is \(format == .jpeg ? "always lossy" : "always lossless")); drop --lossless or use --format webp"
            )
        }
        if lossless, quality != nil {
            throw RenderError.invalidRequest("--encode-quality has no effect with --lossless; give one or the other")
        }
        return RenderRequest(
            count: count, labels: labels.map(ClassLabel.list), integrator: sampler, steps: steps, guidance: guidance, seed: seed,
            encoding: ImageEncoding(format: format, quality: quality, lossless: lossless), scale: scale, upscale: upscale, grid: grid)
    }
}
