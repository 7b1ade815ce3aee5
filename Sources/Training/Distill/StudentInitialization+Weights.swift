// First weights of a distillation student. Same architecture as the teacher: the teacher's weights
// (KAC.md §7); the same apart from the guidance input: the teacher's tensors plus the zero-initialised
// guidance embedding, so the student starts as exactly the teacher. Another architecture (a narrower
// student): the teacher's tensors cut to their leading block, or a fresh initialisation. Cutting
// every axis to its leading entries keeps hidden units 0..<w of every layer together, so the slice
// is a sub-network of the teacher, not noise.
import Generation
import NeuralNet
import TensorCore

extension StudentInitialization {
    /// Weights for a student of `architecture` distilled from `teacher`; `random` initialises
    /// whatever is not copied.
    public func weights(
        for architecture: NetworkArchitecture, teacher: DistillationTeacher,
        random: inout RandomSource
    ) throws(DistillationError) -> ParameterSet {
        guard architecture.sampleShape == teacher.architecture.sampleShape,
            architecture.classCount == teacher.architecture.classCount
        else {
            throw .incompatibleStudent(
                "student samples \(architecture.sampleShape) with \(architecture.classCount) classes, teacher \(teacher.architecture.sampleShape) with \(teacher.architecture.classCount)"
            )
        }
        let fresh = architecture.makeNetwork(random: &random).parameters
        if architecture == teacher.architecture { return teacher.network.parameters }
        if architecture.withGuidanceInput(false) == teacher.architecture.withGuidanceInput(false) {
            return Self.leadingSlice(of: teacher.network.parameters, into: fresh)
        }
        switch self {
        case .random: return fresh
        case .leadingSlice: return Self.leadingSlice(of: teacher.network.parameters, into: fresh)
        }
    }

    /// `layout` with every tensor that the teacher also has (by name, same rank, no smaller on any
    /// axis) replaced by the teacher tensor's leading block.
    static func leadingSlice(of teacher: ParameterSet, into layout: ParameterSet) -> ParameterSet {
        var result = layout
        for (index, name) in layout.names.enumerated() {
            guard let source = teacher[name] else { continue }
            let shape = layout[index].shape
            guard source.rank == shape.count, zip(source.shape, shape).allSatisfy({ $0 >= $1 }) else { continue }
            result[index] = leadingBlock(of: source, shape: shape)
        }
        return result
    }

    /// The block source[0..<shape[0], 0..<shape[1], …] (row-major).
    static func leadingBlock(of source: Tensor, shape: [Int]) -> Tensor {
        var scalars = [Float](repeating: 0, count: shape.reduce(1, *))
        var sourceStrides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            sourceStrides[axis] = sourceStrides[axis + 1] * source.shape[axis + 1]
        }
        var index = [Int](repeating: 0, count: shape.count)
        for flat in scalars.indices {
            var offset = 0
            for axis in shape.indices { offset += index[axis] * sourceStrides[axis] }
            scalars[flat] = source.scalars[offset]
            // Odometer increment over `shape`, last axis fastest.
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
