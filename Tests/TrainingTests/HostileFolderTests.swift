// Image folders as an attacker or a careless user leaves them: a FIFO, links to /dev/zero, /etc
// and back up the tree, a small PNG declaring 50000×50000 pixels, a link swapped in after the scan,
// class folder names with escape sequences, fewer images than a batch. Each is reported (or
// refused) with a sentence; none hangs, spins or exhausts memory. `HostileFolderFuzzTests` mixes
// them at random (CI: a few rounds; `KAC_FUZZ_ITERATIONS` runs it long).
import Foundation
import Glibc
import Imaging
import TestSupport
import Testing
import Training

/// The result slot of `HostileFolders.withDeadline` (written once by the worker thread, read after its signal).
final class DeadlineBox<T>: @unchecked Sendable { var value: T? }

enum HostileFolders {
    static let options = ImageFolderOptions(imageSize: 16, channels: 3)

    /// A PNG whose header declares `width` × `height` RGBA pixels, followed by a few bytes of
    /// (incomplete) image data: small on disk, enormous if decoded.
    static func pngDeclaring(width: UInt32, height: UInt32) -> [UInt8] {
        func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        let header = bigEndian(width) + bigEndian(height) + [8, 6, 0, 0, 0]
        let data: [UInt8] = [0x78, 0x9C] + [UInt8](repeating: 0, count: 64)
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", data) + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// Runs `body` on another thread; nil when it has not finished after `seconds` (a hang).
    static func withDeadline<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () -> T) -> T? {
        let box = DeadlineBox<T>()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.value = body()
            done.signal()
        }
        return done.wait(timeout: .now() + seconds) == .success ? box.value : nil
    }

    /// Scans and loads `root` within `seconds`: the result, or the error text, or nil on a hang.
    static func load(
        _ root: String, options: ImageFolderOptions = options, seconds: Double = 20
    ) -> Result<DecodedImageFolder, DatasetError>?? {
        withDeadline(seconds) {
            do {
                return .success(try ImageFolderLoader.load(try ImageFolder.scan(root: root), options: options))
            } catch let error as DatasetError {
                return .failure(error)
            } catch {
                return nil
            }
        }
    }
}

@Suite struct HostileFolderTests {
    @Test func linksAndSpecialFilesAreReportedNeverOpened() throws {
        let root = TemporaryDirectory()
        try ShapeFolder.write(to: root.path, perClass: 2)
        #expect(mkfifo(root.file("circle/pipe.png"), 0o600) == 0)
        #expect(symlink("/dev/zero", root.file("circle/zero.png")) == 0)
        #expect(symlink("/etc", root.file("square/etc")) == 0)
        #expect(symlink("..", root.file("square/loop")) == 0)
        #expect(symlink(root.file("triangle"), root.file("linked-class")) == 0)
        try FileManager.default.createDirectory(atPath: root.file("bad\u{1B}]0;title\u{07}"), withIntermediateDirectories: true)
        let result = try #require(HostileFolders.load(root.path), "scanning and decoding the folder hung")
        let decoded = try #require(try result?.get())
        #expect(decoded.dataset.count == 6, "only the six real images; a followed loop would add more")
        let reasons = Dictionary(decoded.skipped.map { (($0.path as NSString).lastPathComponent, $0.reason) }) { $1 }
        #expect(reasons["pipe.png"] == "a FIFO, not a regular file")
        for name in ["zero.png", "etc", "loop", "linked-class"] {
            #expect(reasons[name]?.hasPrefix("a symbolic link; links in image folders are not followed") == true, "\(name): \(reasons)")
        }
        #expect(reasons["bad\\u{1B}]0;title\\u{7}"]?.contains("control characters") == true, "\(reasons.keys.sorted())")
        // --strict reaches its refusal instead of blocking on the FIFO.
        var strict = HostileFolders.options
        strict.strict = true
        let refused = try #require(HostileFolders.load(root.path, options: strict), "--strict hung")
        guard case .failure(.corrupt(_, let reason))? = refused else {
            Issue.record("--strict accepted the folder: \(String(describing: refused))")
            return
        }
        #expect(reason.contains("cannot be used (--strict)"))
    }

    @Test func aSmallFileDeclaringGigapixelsIsRefusedBeforeDecoding() throws {
        let root = TemporaryDirectory()
        try ShapeFolder.write(to: root.path, perClass: 1)
        let bomb = HostileFolders.pngDeclaring(width: 50_000, height: 50_000)
        try Data(bomb).write(to: URL(fileURLWithPath: root.file("circle/huge.png")))
        let result = try #require(HostileFolders.load(root.path, seconds: 10), "decoding the 50000×50000 PNG took too long")
        let decoded = try #require(try result?.get())
        let skipped = try #require(decoded.skipped.first { $0.path.hasSuffix("huge.png") })
        #expect(skipped.reason.contains("declares 50000x50000 pixels, more than the limit of 67108864"), "\(skipped.reason)")
        #expect(decoded.dataset.count == 3)
    }

    @Test func aLinkSwappedInAfterTheScanIsNotFollowed() throws {
        let root = TemporaryDirectory()
        let elsewhere = TemporaryDirectory()
        let shapes = try ShapeFolder.write(to: root.path, perClass: 2)
        try FileManager.default.createDirectory(atPath: root.file("square/sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: shapes[0], toPath: root.file("square/sub/x.png"))
        let folder = try ImageFolder.scan(root: root.path)
        #expect(folder.entries.count == 7)
        // After the scan: a file becomes a link to /etc/passwd, a nested folder a link to another tree.
        try FileManager.default.removeItem(atPath: root.file("circle/01.png"))
        #expect(symlink("/etc/passwd", root.file("circle/01.png")) == 0)
        try FileManager.default.moveItem(atPath: root.file("square/sub"), toPath: elsewhere.file("sub"))
        #expect(symlink(elsewhere.file("sub"), root.file("square/sub")) == 0)
        let decoded = try ImageFolderLoader.load(folder, options: HostileFolders.options)
        #expect(decoded.dataset.count == 5, "\(decoded.skipped)")
        #expect(
            decoded.skipped.contains { $0.path.hasSuffix("circle/01.png") && $0.reason.contains("symbolic link") }, "\(decoded.skipped)")
        #expect(
            decoded.skipped.contains { $0.path.hasSuffix("square/sub/x.png") && $0.reason.contains("no longer a real folder") },
            "\(decoded.skipped)")
    }

    @Test func aBatchLargerThanTheDataIsRefusedWithASentence() throws {
        let root = TemporaryDirectory()
        try ShapeFolder.write(to: root.path, perClass: 1)
        let decoded = try ImageFolderLoader.load(try ImageFolder.scan(root: root.path), options: HostileFolders.options)
        #expect(throws: DatasetError.tooFewSamples(source: "shapes", count: 3, batchSize: 8)) {
            try decoded.dataset.checkBatchSize(8, source: "shapes")
        }
        try decoded.dataset.checkBatchSize(3, source: "shapes")
        // As a user meets it: exit 65 and the sentence, not a crash.
        let runs = TemporaryDirectory()
        let run = runs.file("run")
        let result = try ChildProcess.run(
            ChildProcess.builtProduct("kac"),
            [
                "train", "--data", root.path, "--image-size", "16", "--steps", "1", "--batch-size", "8", "--width", "8", "--sample-every",
                "0", "--run", run,
            ])
        #expect(result.status == 65, "\(result.status) \(result.error)")
        #expect(
            result.error.contains("has 3 usable sample(s), fewer than the batch size 8; add images or pass --batch-size 3 or less"),
            "\(result.error)")
    }
}

/// Kac parameters typed on the command line are checked like a manifest's (they used to stop
/// `kac train` in a precondition).
@Suite struct TrainingParameterTests {
    @Test func kacParametersOutOfTheirDomainExitSixtyFour() throws {
        let runs = TemporaryDirectory()
        for (option, value) in [("--speed", "0"), ("--damping-rate", "-1"), ("--speed", "nan")] {
            let result = try ChildProcess.run(
                ChildProcess.builtProduct("kac"),
                ["train", "--data", "eight-gaussians", "--steps", "1", option, value, "--run", runs.file("run")])
            #expect(
                result.status == 64 && result.error.contains("it must be a number greater than 0"),
                "\(option) \(value): \(result.status) \(result.error)")
        }
    }
}

@Suite struct HostileFolderFuzzTests {
    /// One random entry of a hostile folder at `path`.
    static func plant(_ path: String, random: inout SplitMix64, shapes: [String]) throws {
        switch random.next() % 10 {
        case 0: _ = mkfifo(path, 0o600)
        case 1: _ = symlink(["/dev/zero", "/etc", "..", ".", "/nonexistent", "/dev/urandom"][Int(random.next() % 6)], path)
        case 2:
            try Data(HostileFolders.pngDeclaring(width: UInt32(1 + random.next() % 200_000), height: UInt32(1 + random.next() % 200_000)))
                .write(to: URL(fileURLWithPath: path))
        case 3:
            try Data((0..<Int(random.next() % 512)).map { _ in UInt8(truncatingIfNeeded: random.next()) }).write(
                to: URL(fileURLWithPath: path))
        case 4:
            let source = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shapes[Int(random.next() % UInt64(shapes.count))])))
            try Data(source.prefix(Int(random.next() % UInt64(source.count)))).write(to: URL(fileURLWithPath: path))
        case 5: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        default: try FileManager.default.copyItem(atPath: shapes[Int(random.next() % UInt64(shapes.count))], toPath: path)
        }
    }

    @Test func randomHostileFoldersNeverHangOrCrash() throws {
        var random = SplitMix64(state: ProcessInfo.processInfo.environment["KAC_FUZZ_SEED"].flatMap(UInt64.init) ?? 26)
        let iterations = ProcessInfo.processInfo.environment["KAC_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 6
        let source = TemporaryDirectory()
        let shapes = try ShapeFolder.write(to: source.path, perClass: 2)
        let names = ["a.png", "b", "pipe", "z.jpg", ".hidden", "x\ny", "\u{1B}[2J", "deep", "link"]
        for round in 0..<iterations {
            let root = TemporaryDirectory()
            for _ in 0..<(1 + random.next() % 4) {
                let classFolder = root.file("class\(random.next() % 3)")
                try FileManager.default.createDirectory(atPath: classFolder, withIntermediateDirectories: true)
                for _ in 0..<(random.next() % 8) {
                    let path = classFolder + "/" + names[Int(random.next() % UInt64(names.count))] + "\(random.next() % 4)"
                    if FileManager.default.fileExists(atPath: path) { continue }
                    try Self.plant(path, random: &random, shapes: shapes)
                }
            }
            if random.next() % 3 == 0 { try Self.plant(root.file("loose\(round)"), random: &random, shapes: shapes) }
            var options = HostileFolders.options
            options.strict = random.next() % 4 == 0
            let result = HostileFolders.load(root.path, options: options, seconds: 30)
            #expect(result != nil, "round \(round): scanning or decoding hung")
            #expect(result??.map { _ in 0 } != nil, "round \(round): an error other than DatasetError")
        }
    }
}
