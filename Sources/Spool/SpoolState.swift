// The states a job file can be in and the subdirectories of a spool. A state's raw value is the
// name of the directory that holds `<id>.json` in that state, and these two types are the only
// place the directory names are spelled: every spool path is built from them by `Spool.path`.

/// Where a job file is; one case per row of the state table in `Spool`'s doc comment.
///
/// Cases are declared in the order `Spool.state(ofJob:)` probes and `kac status` prints them:
/// the queue first, then the outcomes, then files a producer is still writing.
public enum SpoolState: String, CaseIterable, Sendable, Codable, CodingKeyRepresentable {
    /// Queued: `new/<id>.json`, claimable by any worker.
    case new
    /// Running: `work/<id>.json`, held by the worker named in `work/<id>.lease.json`.
    case work
    /// Completed: `done/<id>.json`; the outputs are in `out/<id>/`.
    case done
    /// Failed, cancelled or rejected: `failed/<id>.json` beside `failed/<id>.error.json`.
    case failed
    /// Being written by a producer: `tmp/<id>.json`, not yet visible to workers.
    case tmp

    /// True for the states a job only leaves by operator action.
    public var isFinished: Bool { self == .done || self == .failed }
}

/// A subdirectory of a spool: one of the state directories, or one that holds per-job side files.
public enum SpoolDirectory: Hashable, Sendable {
    case state(SpoolState)
    /// `out/<id>/`: the job's images and `result.json`.
    case out
    /// `cancel/<id>`: a cancel request, checked by the worker between images.
    case cancel
    /// `attempts/<id>`: how many times the job was claimed.
    case attempts
    /// `workers/<worker>.json`: each running kacd's heartbeat, so `kac status` can tell whether
    /// any worker is alive while the queue is idle. Created on demand, so older spools stay valid.
    case workers

    /// Every required subdirectory, in the order `Spool.init` creates and checks them (`workers/`
    /// is not among them: the first `announce` makes it).
    public static let all: [SpoolDirectory] = [
        .state(.tmp), .state(.new), .state(.work), .out, .state(.done),
        .state(.failed), .cancel, .attempts,
    ]

    /// The directory's name under the spool root.
    public var name: String {
        switch self {
        case .state(let state): state.rawValue
        case .out: "out"
        case .cancel: "cancel"
        case .attempts: "attempts"
        case .workers: "workers"
        }
    }
}
