// Shared fixtures: a tiny randomly initialised UNet published into a temporary zoo (every weight
// non-zero, so images vary with seed, index and label), and the built `kac` / `kacd` binaries.
import Foundation
import Generation
import Glibc
import KacFlow
import ModelStore
import NeuralNet
import RenderService
import TensorCore
import TestSupport
import Testing
import Vocabulary

enum TinyModel {
    static let configuration = UNetConfiguration(
        imageHeight: 28, imageWidth: 28, imageChannels: 1, baseWidth: 8, widthMultipliers: [1, 2],
        residualBlocksPerLevel: 1, attentionResolutions: [], attentionHeads: 1, groupCount: 4,
        classCount: 10)

    /// An RGB model of a data set that is not Fashion-MNIST: 16×16×3 images of three classes.
    static let rgbConfiguration = UNetConfiguration(
        imageHeight: 16, imageWidth: 16, imageChannels: 3, baseWidth: 8, widthMultipliers: [1, 2],
        residualBlocksPerLevel: 1, attentionResolutions: [8], attentionHeads: 1, groupCount: 4,
        classCount: 3)
    static let shapeClasses = ["circle", "square", "triangle"]

    /// Publishes the tiny RGB model of `shapes` (classes circle, square, triangle) as `name`.
    @discardableResult
    static func publishShapes(
        into zoo: String, name: String = "shapes/teacher", seed: UInt64 = 1, kind: ModelKind = .teacher,
        defaults: SamplingSettings = SamplingSettings(integrator: .euler, steps: 2, guidance: 1),
        evaluations: [EvaluationResult] = [], classNames: [String] = shapeClasses
    ) throws -> ModelManifest {
        try publish(
            into: zoo, name: name, seed: seed, kind: kind, defaults: defaults, evaluations: evaluations,
            configuration: rgbConfiguration, classNames: classNames, dataset: "shapes")
    }

    /// Publishes a tiny teacher (or student, guidance-conditioned with `guidanceInput`) as `name`
    /// in the store at `zoo` (created if needed). `classNames` nil: the data set implies them.
    @discardableResult
    static func publish(
        into zoo: String, name: String = "fashion-mnist/teacher", seed: UInt64 = 1, kind: ModelKind = .teacher,
        defaults: SamplingSettings = SamplingSettings(integrator: .euler, steps: 2, guidance: 1),
        evaluations: [EvaluationResult] = [], guidanceInput: Bool = false,
        configuration: UNetConfiguration = TinyModel.configuration, classNames: [String]? = nil, dataset: String = "fashion-mnist"
    ) throws -> ModelManifest {
        let store = try ModelStore(root: zoo, create: true)
        var random = RandomSource(seed: seed)
        let architecture = NetworkArchitecture.unet(configuration).withGuidanceInput(guidanceInput)
        let network = architecture.makeNetwork(random: &random)
        var parameters = network.parameters
        // Zero-initialised layers (last convs) would make the velocity constant; give them noise.
        for index in 0..<parameters.count
        where parameters[index].scalars.allSatisfy({ $0 == 0 }) && parameters.names[index].hasSuffix("weight") {
            parameters.withMutableScalars(index) { scalars in
                for i in scalars.indices { scalars[i] = Float(random.uniform() - 0.5) * 0.2 }
            }
        }
        return try VelocityModelPublication(
            name: name, kind: kind, weights: parameters, architecture: architecture,
            path: KacPath.Configuration(), defaults: defaults, classNames: classNames,
            dataset: DatasetReference(name: dataset), evaluations: evaluations
        )
        .publish(to: store, dtype: .f32, tags: [])
    }
}

enum Binaries {
    static var kac: String { ChildProcess.builtProduct("kac") }
    static var kacd: String { ChildProcess.builtProduct("kacd") }
}

struct Finished {
    var status: Int32
    var output: String
    var error: String
}

/// A child process with its output collected into files (no pipe can fill up and block it).
final class Child {
    let process = Process()
    let logPath: String
    let outPath: String

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], logDirectory: String) throws {
        #expect(FileManager.default.isExecutableFile(atPath: executable), "build first: swift build -c release")
        let tag = "\(UInt32.random(in: 0...UInt32.max))"
        logPath = logDirectory + "/child-\(tag).err"
        outPath = logDirectory + "/child-\(tag).out"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        FileManager.default.createFile(atPath: outPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("NOTIFY_SOCKET") && !$0.key.hasPrefix("WATCHDOG")
        }
        .merging(environment) { $1 }
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    func signal(_ number: Int32) { kill(pid, number) }

    func wait() -> Finished {
        process.waitUntilExit()
        return Finished(
            status: process.terminationStatus, output: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            error: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
    }

    /// Runs to completion.
    static func run(_ executable: String, _ arguments: [String], logDirectory: String) throws -> Finished {
        try Child(executable, arguments, logDirectory: logDirectory).wait()
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass; returns whether it held.
@discardableResult
func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

func names(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

func bytes(_ path: String) -> [UInt8] {
    FileManager.default.contents(atPath: path).map { Array($0) } ?? []
}

/// The batch-size invariant: `request` rendered by the tiny teacher in `zoo` in `precision` gives the
/// same bytes in every PNG at batch sizes 1, 16 and 64, and the images differ from each other (the
/// fixture is not constant).
func expectBatchSizeChangesNoByte(_ zoo: TemporaryDirectory, _ request: RenderRequest, precision: Precision) throws {
    var outputs: [[String: [UInt8]]] = []
    for batchSize in [1, 16, 64] {
        let out = TemporaryDirectory(prefix: "kac-render-out")
        let store = try ModelStore(root: zoo.path, create: false)
        let model = try ZooVelocityModel.load("fashion-mnist/teacher", from: store).inPrecision(precision)
        let renderer = Renderer(model: model, batchSize: batchSize)
        let report = try renderer.render(try renderer.plan(request), into: out.path)
        #expect(report.rendered == request.count && report.images.count == request.count && report.precision == precision)
        outputs.append(
            Dictionary(uniqueKeysWithValues: names(in: out.path).filter { $0.hasSuffix(".png") }.map { ($0, bytes(out.path + "/" + $0)) }))
    }
    #expect(outputs[0].count == request.count)
    for (name, data) in outputs[0] {
        #expect(outputs[1][name] == data, "batch 16 differs at \(name)")
        #expect(outputs[2][name] == data, "batch 64 differs at \(name)")
    }
    #expect(Set(outputs[0].values).count == request.count)
}

/// Writes a job file the way a careful producer does: into `tmp/`, then rename into `new/`.
func drop(_ json: String, id: String, spool: String) throws {
    let temporary = spool + "/tmp/\(id).json"
    try Data(json.utf8).write(to: URL(fileURLWithPath: temporary))
    guard rename(temporary, spool + "/new/\(id).json") == 0 else { throw POSIXError(.EIO) }
}

func makeSpool(_ path: String) throws {
    for directory in ["tmp", "new", "work", "out", "done", "failed", "cancel", "attempts"] {
        try FileManager.default.createDirectory(atPath: path + "/" + directory, withIntermediateDirectories: true)
    }
}
