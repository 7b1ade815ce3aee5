// Option groups of the commands that train, distill, refine and publish, where the flags mean the
// same in each: where Fashion-MNIST's files are, the tags and weight type of what is published, and
// the samples a student is scored with (so `kac distill`, `kac refine` and `kac eval` rows compare).
import ArgumentParser
import ModelStore
import Training

/// `--dataset-directory`: kac train, kac classifier train, kac dataset export-folder and the judge.
struct FashionMNISTLocation: ParsableArguments {
    @Option(help: "Fashion-MNIST directory (IDX files).") var datasetDirectory = FashionMNIST.defaultDirectory
}

/// `--tag` and `--dtype` of a published version: kac publish, and kac distill / kac refine with --publish.
struct PublicationOptions: ParsableArguments {
    @Option(name: .customLong("tag"), help: "Tag to move to each published version (repeatable; `latest` always moves).")
    var tags: [String] = []
    @Option(help: "Weight type stored in the zoo: f16 or f32.") var dtype: TensorDType = .f16
}

/// `--eval-samples` and `--eval-seed`: how kac distill scores each student and kac refine its generator.
struct EvaluationSampleOptions: ParsableArguments {
    @Option(help: "Samples per evaluation (labels cycle through the classes).") var evalSamples = 1000
    @Option(help: "Seed of the evaluation samples (kac eval's default, so rows compare).") var evalSeed: UInt64 = 7
}

extension TensorDType: ExpressibleByArgument {}
