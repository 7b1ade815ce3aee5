// Group normalisation over channels-last tensors [N, ..., C]: each image's channels are split into G
// contiguous groups, normalised over (positions × channels of the group), then scaled and shifted
// per channel. Statistics are two-pass (mean, then centred squares) to avoid cancellation in Float.
// Backward recomputes x̂ from the cached input, mean and 1/σ.
import TensorCore

public struct GroupNorm: Sendable {
    public let channels: Int, groupCount: Int
    public let epsilon: Float = 1e-5
    /// [C], initialised to 1
    public let weight: ParameterSet.Index
    /// [C], initialised to 0
    public let bias: ParameterSet.Index

    public init(name: String, channels: Int, groupCount: Int, parameters: inout ParameterSet) {
        precondition(
            groupCount > 0 && channels % groupCount == 0,
            "GroupNorm \(name): \(channels) channels do not split into \(groupCount) groups")
        (self.channels, self.groupCount) = (channels, groupCount)
        weight = parameters.append(name + ".weight", Tensor(shape: [channels], repeating: 1))
        bias = parameters.append(name + ".bias", Tensor.zeros([channels]))
    }

    public struct Cache: Sendable {
        /// [N, ..., C]
        public let input: Tensor
        /// [N, G]
        public let mean: [Float]
        /// [N, G], 1/√(var + ε)
        public let inverseDeviation: [Float]
    }

    /// SiLU(GroupNorm(input)) in one pass, for inference (no cache: nothing to go backward through).
    /// Bit for bit SiLU.forward of forward's output.
    public func forwardActivated(_ input: Tensor, parameters: ParameterSet) -> Tensor {
        forward(input, parameters: parameters, silu: true).output
    }

    public func forward(_ input: Tensor, parameters: ParameterSet) -> (output: Tensor, cache: Cache) {
        forward(input, parameters: parameters, silu: false)
    }

    /// The normalisation as a per-image, per-channel map y = x·scale + shift ([N, C] each), without
    /// applying it: for a consumer that applies it on the way in (a bf16 convolution rounding its
    /// input). Applying it is bit for bit `forward`'s output.
    public func affineMap(_ input: Tensor, parameters: ParameterSet) -> (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: input.shape[0] * channels), shift = scale
        scale.withUnsafeMutableBufferPointer { scaleOut in
            shift.withUnsafeMutableBufferPointer { shiftOut in
                guard let scaleOut = scaleOut.baseAddress, let shiftOut = shiftOut.baseAddress else { return }
                perImageMap(input, parameters: parameters) { image, _, channelScale, channelShift in
                    for ch in 0..<channels {
                        scaleOut[image * channels + ch] = channelScale[ch]
                        shiftOut[image * channels + ch] = channelShift[ch]
                    }
                }
            }
        }
        return (scale, shift)
    }

    private func forward(_ input: Tensor, parameters: ParameterSet, silu: Bool) -> (output: Tensor, cache: Cache) {
        var output = Tensor.uninitialized(input.shape)
        let positions = input.count / (input.shape[0] * channels)
        let statistics = output.scalars.withUnsafeMutableBufferPointer { y in
            perImageMap(input, parameters: parameters) { image, xi, channelScale, channelShift in
                guard let y = y.baseAddress else { return }
                scaleAndShiftRows(
                    xi, y + image * positions * channels, rows: positions, columns: channels, scale: channelScale,
                    shift: channelShift, silu: silu)
            }
        }
        return (output, Cache(input: input, mean: statistics.mean, inverseDeviation: statistics.inverse))
    }

    /// Each image's group statistics (two-pass) and the per-channel map y = x·(γ/σ) + (β − μγ/σ) they
    /// give, handed to `apply` with the image's input (images in parallel); returns mean and 1/σ [N, G].
    @discardableResult
    private func perImageMap(
        _ input: Tensor, parameters: ParameterSet,
        apply: (_ image: Int, _ input: UnsafePointer<Float>, _ scale: [Float], _ shift: [Float]) -> Void
    ) -> (mean: [Float], inverse: [Float]) {
        precondition(
            input.rank >= 2 && input.shape[input.rank - 1] == channels,
            "GroupNorm: input \(input.shape) does not end in \(channels) channels")
        let batch = input.shape[0], positions = input.count / (batch * channels)
        let (c, groups, width) = (channels, groupCount, channels / groupCount)
        var mean = [Float](repeating: 0, count: batch * groups)
        var inverse = [Float](repeating: 0, count: batch * groups)
        let scale = 1 / Float(positions * width), eps = epsilon
        parameters.withScalars(weight) { gamma in
            parameters.withScalars(bias) { beta in
                input.scalars.withUnsafeBufferPointer { x in
                    mean.withUnsafeMutableBufferPointer { meanOut in
                        inverse.withUnsafeMutableBufferPointer { inverseOut in
                            guard let x = x.baseAddress, let gamma = gamma.baseAddress, let beta = beta.baseAddress,
                                let meanOut = meanOut.baseAddress, let inverseOut = inverseOut.baseAddress
                            else { return }
                            parallelRanges(batch, costPerItem: 4 * positions * c) { images in
                                var sums = [Float](repeating: 0, count: c)
                                var channelScale = [Float](repeating: 0, count: c)
                                var channelShift = [Float](repeating: 0, count: c)
                                for image in images {
                                    let xi = x + image * positions * c
                                    columnSums(xi, rows: positions, columns: c, into: &sums)
                                    for g in 0..<groups {
                                        meanOut[image * groups + g] = sums[(g * width)..<((g + 1) * width)].reduce(0, +) * scale
                                    }
                                    for ch in 0..<c { channelShift[ch] = meanOut[image * groups + ch / width] }
                                    centredSquareSums(xi, rows: positions, columns: c, centres: channelShift, into: &sums)
                                    for g in 0..<groups {
                                        let variance = sums[(g * width)..<((g + 1) * width)].reduce(0, +) * scale
                                        inverseOut[image * groups + g] = 1 / (variance + eps).squareRoot()
                                    }
                                    // y = x·(γ/σ) + (β − μγ/σ): one multiply-add per element.
                                    for ch in 0..<c {
                                        let group = image * groups + ch / width
                                        channelScale[ch] = gamma[ch] * inverseOut[group]
                                        channelShift[ch] = beta[ch] - meanOut[group] * channelScale[ch]
                                    }
                                    apply(image, xi, channelScale, channelShift)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (mean, inverse)
    }

    /// Accumulates dWeight and dBias; returns dInput.
    public func backward(_ dOutput: Tensor, cache: Cache, parameters: ParameterSet, gradients: inout ParameterSet) -> Tensor {
        let input = cache.input
        precondition(dOutput.shape == input.shape, "GroupNorm: dOutput \(dOutput.shape) vs input \(input.shape)")
        let batch = input.shape[0], positions = input.count / (batch * channels)
        let (c, groups, width) = (channels, groupCount, channels / groupCount)
        let count = Float(positions * width)
        var dInput = Tensor.uninitialized(input.shape)
        let tasks = kernelThreadCount
        /// [tasks, 2, C]: per-thread Σ dy·x̂ and Σ dy, added in order afterwards (deterministic).
        var partials = [Float](repeating: 0, count: tasks * 2 * c)
        parameters.withScalars(weight) { gamma in
            input.scalars.withUnsafeBufferPointer { x in
                dOutput.scalars.withUnsafeBufferPointer { dy in
                    dInput.scalars.withUnsafeMutableBufferPointer { dx in
                        partials.withUnsafeMutableBufferPointer { partials in
                            guard let gamma = gamma.baseAddress, let x = x.baseAddress, let dy = dy.baseAddress,
                                let dx = dx.baseAddress, let partials = partials.baseAddress
                            else { return }
                            let work = min(tasks, batch)
                            parallelRanges(work, costPerItem: minimumScalarsPerTask) { taskRange in
                                for task in taskRange {
                                    let dGammaPart = partials + task * 2 * c, dBetaPart = dGammaPart + c
                                    var sumDyXhat = [Float](repeating: 0, count: c), sumDy = sumDyXhat
                                    var mu = sumDyXhat, rs = sumDyXhat, a = sumDyXhat, b = sumDyXhat
                                    for image in (batch * task / work)..<(batch * (task + 1) / work) {
                                        let xi = x + image * positions * c, dyi = dy + image * positions * c
                                        for ch in 0..<c {
                                            mu[ch] = cache.mean[image * groups + ch / width]
                                            rs[ch] = cache.inverseDeviation[image * groups + ch / width]
                                        }
                                        normalizedProductSums(
                                            xi, dyi, rows: positions, columns: c, mean: mu, inverse: rs,
                                            sumDyXhat: &sumDyXhat, sumDy: &sumDy)
                                        for ch in 0..<c { dGammaPart[ch] += sumDyXhat[ch]; dBetaPart[ch] += sumDy[ch] }
                                        // dx = r·(dx̂ − mean dx̂ − x̂·mean(dx̂·x̂)) with dx̂ = γ·dy, regrouped per channel
                                        // as dx = a·dy + b·x + shift so the last pass is one fused loop.
                                        for g in 0..<groups {
                                            var meanDxhat: Float = 0, meanDxhatXhat: Float = 0
                                            for ch in (g * width)..<((g + 1) * width) {
                                                meanDxhat += gamma[ch] * sumDy[ch]
                                                meanDxhatXhat += gamma[ch] * sumDyXhat[ch]
                                            }
                                            meanDxhat /= count
                                            meanDxhatXhat /= count
                                            for ch in (g * width)..<((g + 1) * width) {
                                                a[ch] = rs[ch] * gamma[ch]
                                                b[ch] = -rs[ch] * rs[ch] * meanDxhatXhat
                                                sumDy[ch] = rs[ch] * (-meanDxhat + mu[ch] * rs[ch] * meanDxhatXhat)
                                            }
                                        }
                                        linearCombineRows(
                                            dyi, xi, dx + image * positions * c, rows: positions, columns: c,
                                            dyScale: a, xScale: b, shift: sumDy)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for (offset, index) in [(0, weight), (c, bias)] {
            gradients.withMutableScalars(index) { target in
                for task in 0..<tasks {
                    for ch in 0..<c { target[ch] += partials[task * 2 * c + offset + ch] }
                }
            }
        }
        return dInput
    }
}
