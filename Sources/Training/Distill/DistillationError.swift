// Errors of the distiller, each telling the operator what to change: bad options, a run directory
// started under another configuration or teacher, a damaged run file.
public enum DistillationError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    case runMismatch(directory: String, reason: String)
    case corruptFile(path: String, reason: String)
    case incompatibleStudent(String)
    case interrupted(step: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            return message
        case .runMismatch(let directory, let reason):
            return
                "\(directory) was started with a different distillation (\(reason)); re-run with the original options, pick a new --run directory, or pass --fresh to discard it"
        case .corruptFile(let path, let reason):
            return "\(path): \(reason); delete it and re-run (the stage is recomputed from its checkpoint or from scratch)"
        case .interrupted(let step):
            return "distillation interrupted after step \(step); re-run the same command to resume"
        case .incompatibleStudent(let message):
            return
                "the student architecture cannot be distilled from this teacher: \(message); give the student the teacher's data shape and class count"
        }
    }
}
