// Scratch for sampling passes that run at once on one network. Each `velocity` call checks out a
// set of workspaces (one per part it runs in parallel) and gives it back when done, so two jobs
// sampling the same loaded weights on two threads never share an im2col buffer, and no call
// copies the weights. Sets are made on demand — as many as calls ever overlapped — and kept;
// `bytes` is what the idle sets hold, for a model cache's memory budget.
import Foundation

public final class WorkspacePool: @unchecked Sendable {
    /// Workspaces in one set: the most parts one call runs at once.
    let setSize: Int
    private let lock = NSLock()
    // Guarded by `lock`. A set in use is owned by its caller alone; its size is read only once
    // it is back (at check-in), so no thread reads a workspace another one is growing.
    private var idle: [[Workspace]] = []
    private var idleBytes: [Int] = []
    private var checkedOut = 0

    init(setSize: Int) {
        precondition(setSize >= 1, "WorkspacePool: a set needs at least one workspace, got \(setSize)")
        self.setSize = setSize
    }

    /// Runs `body` with a set of `setSize` workspaces no other call is using.
    func withSet<T>(_ body: ([Workspace]) throws -> T) rethrows -> T {
        let set: [Workspace] = lock.withLock {
            checkedOut += 1
            guard let set = idle.popLast() else { return (0..<setSize).map { _ in Workspace() } }
            idleBytes.removeLast()
            return set
        }
        defer {
            let bytes = set.reduce(0) { $0 + $1.capacity } * MemoryLayout<Float>.size
            lock.withLock {
                checkedOut -= 1
                idle.append(set)
                idleBytes.append(bytes)
            }
        }
        return try body(set)
    }

    /// Bytes of scratch the idle sets hold (sets in use are counted once they come back).
    public var bytes: Int { lock.withLock { idleBytes.reduce(0, +) } }

    /// Sets made so far: the most calls that ran at once.
    public var setCount: Int { lock.withLock { idle.count + checkedOut } }
}
