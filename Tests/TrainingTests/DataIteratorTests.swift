// Shuffled mini-batches (coverage, determinism, exact resume from a checkpointed position) and
// the 2-D toy datasets (shape, range, labels, class centres, determinism).
import Foundation
import TensorCore
import Testing
import Training

@Suite struct MiniBatchIteratorTests {
    @Test func everyEpochIsAPermutationMinusTheRemainder() {
        var iterator = MiniBatchIterator(datasetCount: 103, batchSize: 10, seed: 1)
        #expect(iterator.batchesPerEpoch == 10)
        var epochs: [[Int]] = []
        for _ in 0..<3 {
            var seen: [Int] = []
            for _ in 0..<10 { seen += iterator.next() }
            #expect(Set(seen).count == 100)
            epochs.append(seen)
        }
        #expect(epochs[0] != epochs[1] && epochs[1] != epochs[2])
        _ = iterator.next()
        #expect(iterator.position.epoch == 3 && iterator.position.index == 10)
    }

    @Test func resumesExactlyFromACheckpointedPosition() throws {
        var original = MiniBatchIterator(datasetCount: 50, batchSize: 7, seed: 9)
        for _ in 0..<11 { _ = original.next() }  // mid second epoch
        let saved = try JSONDecoder().decode(
            MiniBatchIterator.Position.self,
            from: JSONEncoder().encode(original.position))
        var resumed = MiniBatchIterator(datasetCount: 50, batchSize: 7, resumingFrom: saved)
        for _ in 0..<20 { #expect(resumed.next() == original.next()) }
        var otherSeed = MiniBatchIterator(datasetCount: 50, batchSize: 7, seed: 10)
        var fresh = MiniBatchIterator(datasetCount: 50, batchSize: 7, seed: 9)
        #expect(otherSeed.next() != fresh.next())
    }

    @Test func batchGathersSamplesAndLabels() {
        let dataset = LabeledDataset(
            samples: Tensor(shape: [4, 2, 1], scalars: [0, 1, 10, 11, 20, 21, 30, 31]),
            labels: [0, 1, 2, 1], classNames: ["a", "b", "c"])
        let batch = dataset.batch(indices: [2, 0])
        #expect(batch.samples == Tensor(shape: [2, 2, 1], scalars: [20, 21, 0, 1]))
        #expect(batch.labels == [2, 0])
        #expect(dataset.classIndex(named: "C") == 2)
    }
}

@Suite struct ToyDatasetTests {
    @Test(arguments: ToyDataset.allCases)
    func pointsLabelsAndCentres(toy: ToyDataset) {
        var random = RandomSource(seed: 3)
        let data = toy.sample(count: 20_000, random: &random)
        #expect(data.samples.shape == [20_000, 2])
        // Gaussian tails reach 0.75 + 6·0.05 = 1.05 with probability ~1e-9 per point.
        #expect(data.samples.scalars.allSatisfy { abs($0) <= 1.05 })
        #expect(Set(data.labels) == Set(0..<toy.classNames.count))
        for label in 0..<toy.classNames.count {
            let rows = data.labels.indices.filter { data.labels[$0] == label }
            let meanX = rows.reduce(0.0) { $0 + Double(data.samples.scalars[2 * $1]) } / Double(rows.count)
            let meanY = rows.reduce(0.0) { $0 + Double(data.samples.scalars[2 * $1 + 1]) } / Double(rows.count)
            let centre = toy.classCentre(label)
            // Per-coordinate spread ≤ 0.5/√12 ≈ 0.144 (checkerboard cell); ~2000 points per class,
            // so 5 standard errors ≈ 0.016.
            #expect(abs(meanX - centre.x) < 0.02 && abs(meanY - centre.y) < 0.02, "\(toy) class \(label)")
        }
        var again = RandomSource(seed: 3)
        #expect(toy.sample(count: 20_000, random: &again) == data)
    }

    @Test func checkerboardCellsAreDark() {
        var random = RandomSource(seed: 4)
        let data = ToyDataset.checkerboard.sample(count: 2000, random: &random)
        for n in 0..<2000 {
            let column = Int((data.samples.scalars[2 * n] + 1) / 0.5), row = Int((data.samples.scalars[2 * n + 1] + 1) / 0.5)
            #expect((row + column) % 2 == 0)
        }
    }
}
