// Backpropagation of a caller-defined loss through the UNet (VelocityNetwork.backpropagate): the
// vector–Jacobian products that distribution-matching refinement needs from its frozen teacher and
// fake networks, and the student's parameter gradients once dL/du is known.
// Invariant: parts are the trainer's micro-batches (consecutive, `microBatchSize` rows, in order),
// so a caller whose cotangent pairs up rows (guided teacher: conditional and null rows side by side)
// keeps each pair in one part as long as the pairs start at even rows and the size is even.
import TensorCore

extension UNet {
    public func backpropagate(
        _ x: Tensor, times: [Float], labels: [Int], guidance: [Float]?,
        gradients: inout ParameterSet, cotangent: (_ rows: Range<Int>, _ output: Tensor) -> Tensor
    ) -> (output: Tensor, inputGradient: Tensor) {
        precondition(
            x.rank == 4 && times.count == x.shape[0] && labels.count == x.shape[0],
            "UNet.backpropagate: x \(x.shape) with \(times.count) times and \(labels.count) labels")
        precondition(gradients.hasSameLayout(as: parameters), "UNet.backpropagate: gradients must have the parameters' layout")
        checkGuidance(guidance, count: x.shape[0], hasGuidanceInput: hasGuidanceInput, network: "UNet")
        /// [N, H, W, C] each
        var output = Tensor.uninitialized(x.shape), dInput = Tensor.uninitialized(x.shape)
        for range in microBatches(x.shape[0]) {
            let partLabels = Array(labels[range])
            let pass = forward(
                x.images(range), times: Array(times[range]), labels: partLabels,
                guidance: guidance.map { Array($0[range]) }, keepingCaches: true)
            let dOutput = cotangent(range, pass.output)
            precondition(
                dOutput.shape == pass.output.shape,
                "UNet.backpropagate: cotangent \(dOutput.shape) for output \(pass.output.shape)")
            guard let dx = backward(dOutput, pass: pass, labels: partLabels, gradients: &gradients, wantsInputGradient: true)
            else { preconditionFailure("UNet.backward returned no input gradient") }
            output.setImages(range, from: pass.output)
            dInput.setImages(range, from: dx)
        }
        return (output, dInput)
    }
}
