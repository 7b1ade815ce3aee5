// Small CPU kernels shared by the layers: a parallel loop over the process's thread budget,
// uninitialised tensor storage and the scratch workspace. Invariant: `parallelRanges` splits work
// only when each task is big enough that Dispatch's wake-up cost (~10 µs) is noise; every body
// must write disjoint memory.
import Dispatch
import CVectorKernels
import TensorCore

/// Most tasks a kernel splits into: the process-wide `ThreadBudget` (the CPUs this process may
/// use, or `--threads`), which OpenBLAS also uses for the GEMMs the kernels do not split — or 1 on
/// one of `parallelBLASTasks`' tasks (the cores are already split between them).
var kernelThreadCount: Int { BLAS.isSingleThreadedTask ? 1 : ThreadBudget.current.threads }

/// Work items below this many scalar operations per task run on the calling thread.
let minimumScalarsPerTask = 32_768

/// Calls `body` on disjoint sub-ranges of `0..<count`, in parallel when `count · costPerItem` is big.
@inline(__always)
func parallelRanges(_ count: Int, costPerItem: Int, _ body: (Range<Int>) -> Void) {
    let tasks = taskCount(count, costPerItem: costPerItem)
    if tasks <= 1 {
        body(0..<count)
        return
    }
    runConcurrently(tasks) { task in body((count * task / tasks)..<(count * (task + 1) / tasks)) }
}

/// Runs `body(task)` for task in 0..<tasks on separate threads, each task free to call BLAS: while
/// they run, OpenBLAS is single-threaded (`BLAS.withSingleThreadedCalls`), so the cores are split
/// by us (by images or rows, with no synchronisation inside a layer) rather than by OpenBLAS, whose
/// spinning helper thread would otherwise compete with ours. Kernels inside a task run serially
/// (`kernelThreadCount` is 1 there), so windows never nest across threads. One task keeps
/// OpenBLAS's own threading.
func parallelBLASTasks(_ tasks: Int, _ body: (Int) -> Void) {
    guard tasks > 1, kernelThreadCount > 1 else {
        for task in 0..<tasks { body(task) }
        return
    }
    BLAS.withSingleThreadedCalls {
        runConcurrently(tasks) { task in BLAS.asSingleThreadedTask { body(task) } }
    }
}

/// body(0), …, body(tasks − 1) on Dispatch's worker threads, returning when all are done.
private func runConcurrently(_ tasks: Int, _ body: (Int) -> Void) {
    // Dispatch wants a @Sendable closure; the bodies only touch disjoint memory (see the file
    // header), which is the guarantee Sendable stands for here, so the box vouches for them.
    withoutActuallyEscaping(body) { body in
        let box = UncheckedSendable(value: body)
        DispatchQueue.concurrentPerform(iterations: tasks) { task in box.value(task) }
    }
}

/// Tasks worth running for `count` items of `costPerItem` scalar operations each.
func taskCount(_ count: Int, costPerItem: Int) -> Int {
    min(kernelThreadCount, count, max(1, count * costPerItem / minimumScalarsPerTask))
}

private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}

extension Tensor {
    /// A tensor whose elements the caller overwrites completely before reading (skips the memset).
    @inline(__always)
    static func uninitialized(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        let scalars = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        return Tensor(shape: shape, scalars: scalars)
    }
}

/// Scratch memory (im2col columns, Winograd tiles, per-thread gradient partials) reused across
/// layers and calls. It grows to the
/// largest request and is then never reallocated, so steady-state training allocates no scratch.
/// Not thread-safe: one workspace per network instance.
public final class Workspace {
    private var storage: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init(capacity: Int = 0) {
        self.capacity = capacity
        storage = .allocate(capacity: max(capacity, 1))
    }

    deinit { storage.deallocate() }

    /// At least `count` scalars of scratch; contents are unspecified. Valid until the next call.
    func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            storage.deallocate()
            storage = .allocate(capacity: count)
            capacity = count
        }
        return storage
    }
}

/// A tensor of independent draws from Uniform(−bound, bound) (all zeros when bound is 0).
func uniformTensor(_ shape: [Int], bound: Float, random: inout RandomSource) -> Tensor {
    let count = shape.reduce(1, *)
    guard bound != 0 else { return Tensor.zeros(shape) }
    let scalars = (0..<count).map { _ in Float((2 * random.uniform() - 1) * Double(bound)) }
    return Tensor(shape: shape, scalars: scalars)
}

/// matrix[r, :] += vector for every row of a row-major [rows, columns] matrix (calling thread only).
func addRowVector(_ vector: UnsafePointer<Float>, to matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for row in 0..<rows {
        let target = matrix + row * columns
        for column in 0..<columns { target[column] += vector[column] }
    }
}

/// sums[c] += Σ_r matrix[r, c] (calling thread only).
func accumulateColumnSums(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    if VectorKernels.avx512 {
        kac_accumulate_column_sums(matrix, rows, columns, sums)
    } else {
        PortableKernels.accumulateColumnSums(matrix, rows: rows, columns: columns, into: sums)
    }
}

/// a += b in place (gradient fan-in).
func accumulate(_ a: inout Tensor, _ b: Tensor) {
    precondition(a.shape == b.shape, "accumulate: \(a.shape) vs \(b.shape)")
    let count = b.count
    a.scalars.withUnsafeMutableBufferPointer { s in
        b.scalars.withUnsafeBufferPointer { b in
            guard let s = s.baseAddress, let b = b.baseAddress else { return }
            parallelRanges(count, costPerItem: 1) { range in
                for i in range { s[i] += b[i] }
            }
        }
    }
}

extension Tensor {
    /// Rows (samples) `range` of a batch [N, ...] as a new tensor [range.count, ...].
    public func rows(_ range: Range<Int>) -> Tensor { images(range) }

    /// Images `range` of a batch [N, ...] as a new tensor [range.count, ...].
    func images(_ range: Range<Int>) -> Tensor {
        if range.count == shape[0] { return self }
        let perImage = count / Swift.max(shape[0], 1)
        return Tensor(
            shape: [range.count] + shape.dropFirst(),
            scalars: Array(scalars[(range.lowerBound * perImage)..<(range.upperBound * perImage)]))
    }

    /// Overwrites images `range` of this batch with `part` ([range.count, ...]).
    mutating func setImages(_ range: Range<Int>, from part: Tensor) {
        let perImage = count / Swift.max(shape[0], 1)
        precondition(part.count == range.count * perImage, "setImages: \(part.shape) does not fit images \(range) of \(shape)")
        scalars.replaceSubrange((range.lowerBound * perImage)..<(range.upperBound * perImage), with: part.scalars)
    }
}
