// Option groups several kac commands share, so each option is declared (and documented) once: the
// spool's location and the judge `kac eval`, `kac distill` and `kac refine` score images with
// (`--zoo` and `--threads`, which kac-bench takes too, are ToolSupport's).
import ArgumentParser
import Foundation
import Generation
import Imaging
import ModelStore
import RenderService
import Spool
import ToolSupport
import Training

/// `--spool PATH`, shared by the job commands; else `$KAC_SPOOL`, else the installed kacd
/// configuration's `spool`, else `./spool` (`ConfiguredDefaults`).
struct SpoolLocation: ParsableArguments {
    @Option(
        name: .customLong("spool"),
        help: "The spool directory (default: $KAC_SPOOL, else spool in /etc/kac/kacd.conf or $KAC_CONFIG, else ./spool).")
    var given: String?

    var resolved: ConfiguredDefaults.Resolved {
        ConfiguredDefaults.resolve(
            flag: given, flagName: "--spool", variable: "KAC_SPOOL", key: .spool, fallback: "./spool",
            environment: ProcessInfo.processInfo.environment, log: Console.note)
    }
    var spool: String { resolved.path }

    func open(create: Bool, limits: SpoolLimits = .default) throws -> Spool {
        try Spool(root: spool, configuration: SpoolConfiguration(limits: limits), create: create)
    }
}

/// The Fashion-MNIST judge: evaluation classifier, where the test images are, where their feature
/// statistics are cached.
struct JudgeOptions: ParsableArguments {
    @Option(
        help:
            "Evaluation classifier for images: zoo reference or a `kac classifier train` checkpoint ('none' skips evaluation in kac distill)."
    )
    var classifier = "fashion-mnist/classifier"
    @Option(help: "Directory caching the reference feature statistics.") var cacheDirectory = "runs/eval-cache"
    @OptionGroup var fashionMNIST: FashionMNISTLocation
    @Option(
        help:
            "Held-out labelled image folder to compare samples with (models trained on an image folder); decoded at the classifier's size and channels."
    )
    var reference: String?
    @Option(help: "Reference folder: what transparent pixels are flattened onto (white or black).")
    var referenceAlphaBackground: ImageDecoder.AlphaBackground = .white

    var settings: ClassifierJudge.Settings {
        ClassifierJudge.Settings(
            classifier: classifier, cacheDirectory: cacheDirectory, datasetDirectory: fashionMNIST.datasetDirectory,
            referenceFolder: reference,
            referenceAlphaBackground: referenceAlphaBackground)
    }

    /// The judge; `classCount` (the models') must match the classifier's unless nil.
    func load(zoo: ZooLocation, classCount: Int?) throws -> ClassifierJudge {
        try settings.load(zooPath: zoo.path, classCount: classCount, log: Console.note)
    }
}
