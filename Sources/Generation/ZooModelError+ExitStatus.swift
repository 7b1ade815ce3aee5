// A zoo model whose manifest or weights cannot make a generator is bad data (65).
import Vocabulary

extension ZooModelError: ExitStatusReporting {
    public var exitStatus: ExitStatus { .dataError }
}
