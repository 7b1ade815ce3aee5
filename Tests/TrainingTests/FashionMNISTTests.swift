// Fashion-MNIST reader against facts printed by tools/golden/fashion_mnist.py (gzip + numpy),
// and its errors for missing, non-gzip and wrong-magic files.
import Foundation
import TensorCore
import TestSupport
import Testing
import Training
import Vocabulary

@Suite struct FashionMNISTTests {
    @Test func testSplitMatchesGolden() throws {
        let test = try FashionMNIST.load(.test)
        #expect(test.samples.shape == [10000, 28, 28, 1])
        #expect(Array(test.labels.prefix(10)) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
        #expect(Self.classCounts(test.labels) == Array(repeating: 1000, count: 10))
        #expect(Self.byteSum(test.samples, image: 0) == 33456 && Self.byteSum(test.samples, image: 9999) == 24390)
        #expect(Self.byteSum(test.samples) == 573_469_082)
        #expect(test.samples.scalars.min() == -1 && test.samples.scalars.max() == 1)
        #expect(test.classNames == FashionMNIST.classNames)
    }

    @Test func trainSplitMatchesGolden() throws {
        let train = try FashionMNIST.load(.train)
        #expect(train.samples.shape == [60000, 28, 28, 1] && train.count == 60000)
        #expect(Array(train.labels.prefix(10)) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
        #expect(Self.classCounts(train.labels) == Array(repeating: 6000, count: 10))
        #expect(Self.byteSum(train.samples, image: 0) == 76247 && Self.byteSum(train.samples, image: 59999) == 16684)
        #expect(Self.byteSum(train.samples) == 3_431_114_169)
        #expect(train.samples.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test func classNamesLookUp() {
        #expect(ClassNames.fashionMNIST.index(of: "ankle-boot") == 9)
        #expect(ClassNames.fashionMNIST.index(of: "Sandal") == 5)
        #expect(ClassNames.fashionMNIST.index(of: "t-shirt") == 0)
        #expect(ClassNames.fashionMNIST.index(of: "cat") == nil)
        #expect(FashionMNIST.classNames.count == 10)
    }

    @Test func missingFileNamesThePathAndThePackage() {
        let directory = TemporaryDirectory()
        do {
            _ = try FashionMNIST.load(.train, directory: directory.path)
            Issue.record("loading from an empty directory succeeded")
        } catch let error as DatasetError {
            guard case .missingFile(let path, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path.hasPrefix(directory.path) && path.hasSuffix("-ubyte.gz"))
            #expect(error.description.contains(path) && error.description.contains("dataset-fashion-mnist"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func notGzipIsCorrupt() throws {
        let directory = TemporaryDirectory()
        try Data("this is not gzip".utf8).write(to: URL(fileURLWithPath: directory.file("t10k-labels-idx1-ubyte.gz")))
        #expect(throws: DatasetError.self) { try FashionMNIST.load(.test, directory: directory.path) }
    }

    @Test func wrongMagicIsCorruptAndSaysSo() throws {
        let directory = TemporaryDirectory()
        // An images header (magic 2051) where the labels file belongs.
        let idx: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]
        try Data(Self.storedGzip(idx)).write(to: URL(fileURLWithPath: directory.file("t10k-labels-idx1-ubyte.gz")))
        do {
            _ = try FashionMNIST.load(.test, directory: directory.path)
            Issue.record("wrong magic accepted")
        } catch let error as DatasetError {
            guard case .corrupt(_, let reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(reason.contains("2051") && reason.contains("2049"))
        }
    }

    // MARK: helpers

    static func classCounts(_ labels: [Int]) -> [Int] {
        labels.reduce(into: Array(repeating: 0, count: 10)) { $0[$1] += 1 }
    }

    /// Sum of the original 0–255 bytes, recovered from the [−1, 1] scaling (exact after rounding).
    static func byteSum(_ images: Tensor, image: Int? = nil) -> Int {
        let range = image.map { ($0 * 784)..<(($0 + 1) * 784) } ?? 0..<images.count
        return range.reduce(0) { $0 + Int(((images.scalars[$1] + 1) * 127.5).rounded()) }
    }

    /// A gzip file holding `payload` in one stored (uncompressed) deflate block.
    static func storedGzip(_ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        let length = UInt16(payload.count)
        bytes += [1, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
        bytes += payload
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in payload {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        crc = ~crc
        for value in [crc, UInt32(payload.count)] { bytes += (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        return bytes
    }
}
