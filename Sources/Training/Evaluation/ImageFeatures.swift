// What the evaluation classifier's features of an image batch are, in the two forms the judge uses:
// `penultimate` (the input of the last Linear — the FD of the old figures) and `multi` (every
// convolution stage pooled, then the penultimate layer, concatenated). Penultimate features collapse
// within-class detail (the classifier was trained to ignore it); the stage activations keep it.
// Invariant: both come from one forward pass, so the penultimate block of `multi` equals `penultimate`.
import NeuralNet
import TensorCore

/// Which of the classifier's activations a Fréchet or kernel distance is computed on.
public enum FeatureLayers: String, Codable, CaseIterable, Sendable {
    /// [N, hiddenWidth]: the input of the classifier's last Linear.
    case penultimate
    /// [N, Σ 2·C_stage + hiddenWidth]: per convolution stage the spatial mean and spatial standard
    /// deviation of each channel, then the penultimate features (the judge standardizes each column
    /// with the reference set's mean and deviation: `ReferenceFeatures.standardizedMulti`).
    case multi
}

/// Features of one image set, one tensor per `FeatureLayers` case.
public struct ImageFeatures: Sendable {
    /// [N, hiddenWidth]
    public var penultimate: Tensor
    /// [N, multiDimension]
    public var multi: Tensor

    public subscript(layers: FeatureLayers) -> Tensor {
        switch layers {
        case .penultimate: penultimate
        case .multi: multi
        }
    }
}

extension ImageClassifier {
    /// Width of the `layers` features.
    public func featureDimension(_ layers: FeatureLayers) -> Int {
        switch layers {
        case .penultimate: configuration.hiddenWidth
        case .multi: stageShapes.reduce(0) { $0 + 2 * $1.channels } + configuration.hiddenWidth
        }
    }

    /// Features of images [N, H, W, C] in both forms, computed in batches of `batchSize`.
    public func imageFeatures(_ images: Tensor, batchSize: Int) -> ImageFeatures {
        let n = images.shape[0], perImage = images.count / max(n, 1)
        let (penultimateWidth, multiWidth) = (featureDimension(.penultimate), featureDimension(.multi))
        var penultimate: [Float] = [], multi: [Float] = []
        penultimate.reserveCapacity(n * penultimateWidth)
        multi.reserveCapacity(n * multiWidth)
        var start = 0
        while start < n {
            let end = min(start + batchSize, n)
            let batch = Tensor(
                shape: [end - start] + Array(images.shape.dropFirst()),
                scalars: Array(images.scalars[(start * perImage)..<(end * perImage)]))
            let taps = featureTaps(batch)
            penultimate += taps.penultimate.scalars
            let pooled = taps.stages.map(FeaturePooling.meanAndDeviation)
            for row in 0..<(end - start) {
                for block in pooled {
                    let width = block.shape[1]
                    multi += block.scalars[(row * width)..<((row + 1) * width)]
                }
                multi += taps.penultimate.scalars[(row * penultimateWidth)..<((row + 1) * penultimateWidth)]
            }
            start = end
        }
        return ImageFeatures(
            penultimate: Tensor(shape: [n, penultimateWidth], scalars: penultimate),
            multi: Tensor(shape: [n, multiWidth], scalars: multi))
    }
}

public enum FeaturePooling {
    /// activations [N, h, w, C] → [N, 2C]: each channel's spatial mean, then each channel's spatial
    /// standard deviation (population, 1/(hw)), accumulated in Double.
    public static func meanAndDeviation(_ activations: Tensor) -> Tensor {
        precondition(activations.rank == 4, "FeaturePooling: activations \(activations.shape), expected [N, h, w, C]")
        let (n, positions, c) = (activations.shape[0], activations.shape[1] * activations.shape[2], activations.shape[3])
        var result = [Float](repeating: 0, count: n * 2 * c)
        var sum = [Double](repeating: 0, count: c), squares = [Double](repeating: 0, count: c)
        activations.scalars.withUnsafeBufferPointer { x in
            for image in 0..<n {
                for k in 0..<c { sum[k] = 0; squares[k] = 0 }
                for position in 0..<positions {
                    let base = (image * positions + position) * c
                    for k in 0..<c {
                        let value = Double(x[base + k])
                        sum[k] += value
                        squares[k] += value * value
                    }
                }
                for k in 0..<c {
                    let mean = sum[k] / Double(positions)
                    result[image * 2 * c + k] = Float(mean)
                    // Variance by E[x²] − E[x]²: the activations are O(1), so cancellation costs ~1e-12.
                    result[image * 2 * c + c + k] = Float(max(squares[k] / Double(positions) - mean * mean, 0).squareRoot())
                }
            }
        }
        return Tensor(shape: [n, 2 * c], scalars: result)
    }
}
